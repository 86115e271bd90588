/*-------------------------------------------------------------------------
 *
 * popularity.h
 *	  How often the DHT asks about each indexed torrent: sightings counted
 *	  in memory and added to dht_indexer.torrents (seen_count, last_seen)
 *	  in periodic batched updates.
 *
 * Owns a bounded counting table of info hashes (count and newest sighting
 * per hash), its flush policy and its counters in stats().  Does not own
 * which sightings count (the pipeline passes only get_peers and
 * announce_peer queries for hashes its known-hash filter says are
 * indexed) or the SQL (store.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef DHT_POPULARITY_H
#define DHT_POPULARITY_H

/*
 * Distinct hashes counted between two flushes.  Only indexed hashes are
 * counted, and a flush starts every POPULARITY_FLUSH_MS (or as soon as the
 * table is three quarters full): 65,536 distinct indexed torrents asked
 * about within 5 s is more than even 10,000 identities hear.  The table
 * is double-buffered (one counts while the other is written), 32 bytes
 * per entry plus the index: 6 MiB.  Beyond the cap, sightings of hashes
 * not in the table are dropped and counted (popularity_dropped).
 */
#define POPULARITY_MAX_HASHES 65536
/* Sightings wait in memory at most this long before a flush starts. */
#define POPULARITY_FLUSH_MS 5000
/*
 * Hashes written per transaction.  An update of a row costs 15-50 us
 * (more when it cannot stay HOT), so a chunk holds the event loop for
 * about 0.1-0.2 s at most; a larger flush is written over several loop
 * turns.
 */
#define POPULARITY_FLUSH_CHUNK 4096
/* After a failed flush, wait this long, doubled per failure up to 60 s. */
#define POPULARITY_RETRY_MS 5000

/* Allocate the tables (first call) and empty them. */
extern void popularity_start(void);
/* One get_peers or announce_peer query for an indexed hash, at now_ms. */
extern void popularity_note(const uint8 *hash, uint64 now_ms);
/*
 * True when writing is due: a flush is under way, or the counts are old
 * or many enough; false while backing off after a failure.
 */
extern bool popularity_due(uint64 now_ms);
/*
 * Write one chunk of the counts in one statement (starting a flush if
 * none is under way); on failure keep them and back off.  Returns true
 * when nothing is left to write.
 */
extern bool popularity_flush(void);
/* Write everything now (crawling stops); gives up at the first failure. */
extern void popularity_flush_all(void);
/* Forget the counts (the extension was dropped). */
extern void popularity_discard(void);

#endif							/* DHT_POPULARITY_H */
