/*
 * names.c
 *		Realistic torrent names and file paths from a splitmix64 state
 *		(names.h has the contract).
 *
 * Structure: vocabulary tables first, then a small bounded string builder
 * (struct sbuf: appends whole UTF-8 characters only, so a cut string stays
 * valid), then one name maker per category, then the multi-file layout:
 * directory names (seeded by torrent, level and directory index), main
 * files (episodes, tracks, books, assets) and extras.
 *
 * Every table entry is valid UTF-8 without '/' and non-empty; names are
 * assembled from entries, ASCII punctuation and numbers only, so the
 * invariants of names.h hold by construction.  Directory names never end in
 * an extension, leaves always do.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "splitmix.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(rng, table) ((table)[rnd((rng), (uint32_t) NELEM(table))])

/* Room kept for an extension (".flac", " (12).mkv") when a stem is built */
#define EXT_ROOM 16

/* ------------------------------------------------------------------------
 * Vocabulary
 * ------------------------------------------------------------------------
 */

static const char *const title_words[] = {
	"Dark", "Night", "Last", "Shadow", "River", "King", "Empire", "Silent",
	"Lost", "City", "Moon", "Blood", "Star", "Winter", "Fire", "Black",
	"Iron", "Ghost", "Road", "House", "Dream", "Edge", "Storm", "Hidden",
	"Secret", "World", "Heart", "Wild", "Broken", "Golden", "Red", "Ocean",
	"Return", "Rising", "Kingdom", "Time", "War", "Legend", "Garden",
	"Machine", "Echo", "Paradise", "of", "the", "and", "Man", "Girl",
	"Amélie", "Café", "Élite", "Über", "Niño", "Mañana", "Søren", "Ørsted",
	"Großstadt", "Mädchen", "Señora", "Crème", "Fjörd", "Zoë", "Naïve",
	"Déjà", "Corazón", "Françoise", "Straße", "Île", "Müller", "Ærø"
};

static const char *const cjk_titles[] = {
	"東京", "千と千尋の神隠し", "進撃の巨人", "鬼滅の刃", "君の名は", "三体",
	"红楼梦", "西游记", "流浪地球", "사랑의 불시착", "기생충", "서울의 봄",
	"오징어 게임", "花様年華", "天気の子", "龍", "月光", "春天", "霸王别姬",
	"七人の侍", "올드보이", "让子弹飞"
};

static const char *const emoji[] = {
	"🔥", "🎬", "🎵", "⭐", "💿", "📚", "🚀", "✨", "🎮", "❤️", "🍿"
};

static const char *const resolutions[] = {
	"480p", "576p", "720p", "1080p", "1080p", "1080p", "2160p"
};

static const char *const sources[] = {
	"BluRay", "WEB-DL", "WEBRip", "HDTV", "DVDRip", "BDRip", "HDRip",
	"REMUX", "AMZN.WEB-DL", "NF.WEBRip"
};

static const char *const codecs[] = {
	"x264", "x265", "H.264", "HEVC", "XviD", "AV1", "10bit.x265"
};

static const char *const audio_tags[] = {
	"DTS", "AAC2.0", "DDP5.1", "TrueHD.7.1.Atmos", "AC3", "FLAC", "DTS-HD.MA"
};

static const char *const scene_groups[] = {
	"SPARKS", "RARBG", "YIFY", "FGT", "NTb", "GECKOS", "AMIABLE",
	"DIMENSION", "LOL", "KILLERS", "ION10", "playWEB", "NOGRP", "BHDStudio",
	"DON", "CtrlHD", "TEPES", "FLUX", "CMRG", "NTG", "EVO", "GalaxyRG"
};

static const char *const sub_groups[] = {
	"HorribleSubs", "SubsPlease", "Erai-raws", "Commie", "GJM", "Judas",
	"桜都字幕组", "幻樱字幕组", "ANi", "Kametsu", "Coalgirls", "LoliHouse",
	"喵萌奶茶屋", "Nekomoe kissaten"
};

static const char *const anime_titles[] = {
	"Shingeki no Kyojin", "進撃の巨人", "Kimetsu no Yaiba",
	"Boku no Hero Academia", "Sousou no Frieren", "葬送のフリーレン",
	"Jujutsu Kaisen", "Spy x Family", "Chainsaw Man", "Mushoku Tensei",
	"Cowboy Bebop", "ワンピース", "One Piece", "Naruto Shippuuden",
	"Made in Abyss", "Violet Evergarden", "Bocchi the Rock!",
	"Kaguya-sama wa Kokurasetai", "Re:Zero kara Hajimeru Isekai Seikatsu",
	"鬼灭之刃", "Hunter x Hunter (2011)", "Mob Psycho 100"
};

static const char *const artists[] = {
	"Björk", "Sigur Rós", "Motörhead", "Beyoncé", "Mötley Crüe",
	"Daft Punk", "The Velvet Underground", "Miles Davis", "Radiohead",
	"Pink Floyd", "Massive Attack", "宇多田ヒカル", "坂本龍一", "BTS",
	"방탄소년단", "周杰伦", "Café Tacvba", "Los Fabulosos Cadillacs",
	"Røyksopp", "MØ", "Amadou & Mariam", "Nina Simone", "Aphex Twin",
	"Portishead", "Boards of Canada", "Joy Division", "Kraftwerk",
	"Édith Piaf", "Caetano Veloso", "Mariza", "Yann Tiersen", "IU"
};

static const char *const music_formats[] = {
	"FLAC", "MP3 320", "MP3 V0", "24bit-96kHz", "WEB FLAC", "ALAC",
	"Vinyl Rip 24-96", "AAC 256"
};

static const char *const music_extras[] = {
	"24bit", "Remastered", "Deluxe Edition", "Hi-Res", "CD", "Expanded",
	"2011 Remaster", "Japan Edition"
};

static const char *const genres[] = {
	"Rock", "Jazz", "Électronique", "Klassik", "Música Latina", "Hip-Hop",
	"Ambient", "J-Pop", "K-Pop", "クラシック", "民谣", "Folk", "Metal",
	"Blues", "Soundtracks", "Science Fiction", "Policiers", "Littérature",
	"历史", "Fantasy", "Documentaires", "Comédie"
};

static const char *const programs[] = {
	"Adobe Photoshop", "Office Suite", "VideoPad", "WinRAR", "Blender",
	"AutoCAD", "Sublime Text", "VLC Media Player", "FL Studio",
	"Ableton Live", "Total Commander", "CCleaner", "Nero Burning ROM",
	"Paint Shop Pro", "DaVinci Resolve", "Windows 10 Pro", "Kaspersky",
	"Wondershare Filmora", "IDM", "Revo Uninstaller", "Topaz Gigapixel AI"
};

static const char *const games[] = {
	"Cyberpunk", "The Witcher", "Elden Ring", "Baldurs Gate", "Hollow Knight",
	"Stardew Valley", "Far Cry", "Red Dead Redemption", "Hogwarts Legacy",
	"Resident Evil Village", "Sekiro Shadows Die Twice", "原神",
	"Disco Elysium", "Frostpunk", "Anno 1800", "Ōkami HD"
};

static const char *const distros[] = {
	"debian", "ubuntu", "kali-linux", "linuxmint", "Fedora-Workstation-Live",
	"archlinux", "openSUSE-Leap", "manjaro-kde", "rocky", "AlmaLinux"
};

static const char *const crack_groups[] = {
	"Crack", "CRACKED", "TNT", "XFORCE", "CORE", "BTCR", "F4CG", "KpoJIuK",
	"CODEX", "PLAZA", "SKIDROW", "RELOADED", "FLT", "EMPRESS", "DOGE"
};

static const char *const authors[] = {
	"Gabriel García Márquez", "Haruki Murakami", "村上春树", "刘慈欣",
	"Jules Verne", "Stanisław Lem", "Jorge Luis Borges", "Fyodor Dostoevsky",
	"Selma Lagerlöf", "Knut Hamsun", "Isabel Allende", "Umberto Eco",
	"Agatha Christie", "Terry Pratchett", "Ursula K. Le Guin",
	"Octavia E. Butler", "Émile Zola", "Günter Grass", "Halldór Laxness",
	"한강", "夏目漱石", "Astrid Lindgren", "Mário de Andrade", "Jo Nesbø"
};

static const char *const book_formats[] = {
	"EPUB", "PDF", "MOBI", "AZW3", "EPUB retail", "PDF, EPUB"
};

static const char *const book_exts[] = {".epub", ".pdf", ".mobi", ".azw3"};

static const char *const languages[] = {
	"English", "Français", "Español", "Deutsch", "Português (Brasil)",
	"日本語", "简体中文", "繁體中文", "한국어", "Русский", "Norsk", "Dansk",
	"Türkçe", "Ελληνικά", "العربية", "Polski", "Čeština", "Svenska"
};

static const char *const asset_dirs[] = {
	"bin", "lib", "plugins", "data", "resources", "locale", "textures",
	"sounds", "shaders", "maps", "models", "scripts", "docs", "fonts",
	"icons", "x64", "x86", "assets", "config", "redist", "music", "video",
	"levels", "characters"
};

static const char *const asset_words[] = {
	"texture", "sound", "model", "level", "config", "lang", "font", "icon",
	"shader", "map", "script", "patch", "core", "engine", "ui", "data",
	"voice", "anim", "terrain", "effect"
};

/* Asset extensions and what they hold */
static const struct
{
	const char *ext;
	int			type;
}			asset_exts[] = {
	{".dll", NAMES_FILE_PROGRAM}, {".exe", NAMES_FILE_PROGRAM},
	{".so", NAMES_FILE_PROGRAM}, {".dat", NAMES_FILE_DATA},
	{".pak", NAMES_FILE_DATA}, {".bin", NAMES_FILE_DATA},
	{".png", NAMES_FILE_IMAGE}, {".dds", NAMES_FILE_IMAGE},
	{".ogg", NAMES_FILE_AUDIO}, {".wav", NAMES_FILE_AUDIO},
	{".xml", NAMES_FILE_TEXT}, {".json", NAMES_FILE_TEXT},
	{".ini", NAMES_FILE_TEXT}, {".lua", NAMES_FILE_TEXT},
	{".txt", NAMES_FILE_TEXT}, {".ttf", NAMES_FILE_DATA}
};

static const char *const category_names[NAMES_NCATEGORIES] = {
	"movie", "tv", "music", "software", "ebook", "anime"
};

/* Relative frequency of each category, in category order */
static const uint32_t category_weights[NAMES_NCATEGORIES] = {
	25, 22, 17, 12, 10, 14
};

/* ------------------------------------------------------------------------
 * Random helpers and the bounded string builder
 * ------------------------------------------------------------------------
 */

/* Uniform in 0..n-1 (n >= 1) */
static uint32_t
rnd(uint64_t *rng, uint32_t n)
{
	return (uint32_t) (((splitmix64_next(rng) >> 32) * (uint64_t) n) >> 32);
}

/* True with the given percentage */
static int
chance(uint64_t *rng, uint32_t percent)
{
	return rnd(rng, 100) < percent;
}

/* Appends to buf[0..cap), keeping buf NUL-terminated (buf has cap + 1) */
struct sbuf
{
	char	   *buf;
	size_t		cap;
	size_t		len;
};

static void
sb_init(struct sbuf *b, char *buf, size_t cap)
{
	b->buf = buf;
	b->cap = cap;
	b->len = 0;
	buf[0] = '\0';
}

/*
 * Append s[0..n), or as many whole UTF-8 characters of it as fit; ' ' is
 * written as sep (words of a dotted name).
 */
static void
sb_putsep(struct sbuf *b, const char *s, size_t n, char sep)
{
	size_t		room = b->cap - b->len;
	size_t		i;

	if (n > room)
	{
		n = room;
		while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++)
		b->buf[b->len + i] = s[i] == ' ' ? sep : s[i];
	b->len += n;
	b->buf[b->len] = '\0';
}

static void
sb_put(struct sbuf *b, const char *s)
{
	sb_putsep(b, s, strlen(s), ' ');
}

/* Append s with its spaces turned into sep */
static void
sb_word(struct sbuf *b, const char *s, char sep)
{
	sb_putsep(b, s, strlen(s), sep);
}

static void sb_printf(struct sbuf *b, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/* Append formatted text (numbers and table entries; cut like sb_put) */
static void
sb_printf(struct sbuf *b, const char *fmt,...)
{
	char		tmp[2 * NAMES_MAX_NAME];
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t) n >= sizeof(tmp))
		n = (int) sizeof(tmp) - 1;
	sb_putsep(b, tmp, (size_t) n, ' ');
}

/* Let the builder grow to its buffer's full size (after a stem is done) */
static void
sb_allow(struct sbuf *b, size_t cap)
{
	if (cap > b->cap)
		b->cap = cap;
}

/* A state for naming directory (level, index) of a torrent */
static uint64_t
dir_rng(const struct names_torrent *t, int level, uint64_t index)
{
	uint64_t	s = t->seed ^ ((uint64_t) (level + 1) << 56) ^
		(index * 0xd6e8feb86659fd93ULL);

	(void) splitmix64_next(&s);
	return s;
}

/* ------------------------------------------------------------------------
 * Titles and torrent names
 * ------------------------------------------------------------------------
 */

/* 1..4 title words (sometimes a CJK title) joined by sep into b */
static void
put_title(struct sbuf *b, uint64_t *rng, char sep)
{
	uint32_t	n = 1 + rnd(rng, 4);
	uint32_t	i;

	if (chance(rng, 12))
	{
		sb_word(b, PICK(rng, cjk_titles), sep);
		return;
	}
	for (i = 0; i < n; i++)
	{
		const char *w = PICK(rng, title_words);

		if (i == 0 && (strcmp(w, "of") == 0 || strcmp(w, "and") == 0))
			w = "The";
		if (i > 0)
			sb_putsep(b, " ", 1, sep);
		sb_word(b, w, sep);
	}
}

/* Scene tail: ".1080p.BluRay.x264-GROUP" (separators from t->sep) */
static void
put_scene_tail(struct sbuf *b, const struct names_torrent *t,
			   uint64_t *rng)
{
	sb_printf(b, "%c%s%c%s", t->sep, resolutions[t->res], t->sep,
			  sources[t->source]);
	if (chance(rng, 30))
		sb_printf(b, "%c%s", t->sep, PICK(rng, audio_tags));
	sb_printf(b, "%c%s-%s", t->sep, codecs[t->codec],
			  scene_groups[t->group]);
}

static void
name_movie(struct sbuf *b, struct names_torrent *t, uint64_t *rng)
{
	uint32_t	style = rnd(rng, 10);

	if (style < 7)
	{
		sb_put(b, t->title);
		sb_printf(b, "%c%d", t->sep, t->year);
		put_scene_tail(b, t, rng);
	}
	else if (style < 9)
		sb_printf(b, "%s (%d) [%s] [%s] [YTS.MX]", t->title, t->year,
				  resolutions[t->res], sources[t->source]);
	else
		sb_printf(b, "%s %s (%d) [%s]", PICK(rng, cjk_titles), t->title,
				  t->year, resolutions[t->res]);
	if (t->single)
		t->file_type = NAMES_FILE_MOVIE;
}

static void
name_tv(struct sbuf *b, struct names_torrent *t, uint64_t *rng)
{
	uint32_t	style = rnd(rng, 10);

	sb_put(b, t->title);
	if (t->single)
	{
		sb_printf(b, "%cS%02dE%02u", t->sep, t->season, 1 + rnd(rng, 24));
		put_scene_tail(b, t, rng);
		t->file_type = NAMES_FILE_EPISODE;
	}
	else if (style < 6)
	{
		sb_printf(b, "%cS%02d", t->sep, t->season);
		put_scene_tail(b, t, rng);
	}
	else if (style < 9)
		sb_printf(b, " (%d) Season %d S%02d (%s %s %s %s)", t->year,
				  t->season, t->season, resolutions[t->res],
				  sources[t->source], codecs[t->codec],
				  PICK(rng, audio_tags));
	else
		sb_printf(b, " - Complete Series (%d-%d) [%s]", t->year,
				  t->year + 1 + (int) rnd(rng, 9), resolutions[t->res]);
}

static void
name_music(struct sbuf *b, struct names_torrent *t, uint64_t *rng)
{
	uint32_t	style = rnd(rng, 10);

	if (t->single)
	{
		sb_printf(b, "%s - %s", t->person, t->title);
		t->file_type = NAMES_FILE_AUDIO;
	}
	else if (style < 4)
		sb_printf(b, "%s - %s (%d) [%s]", t->person, t->title, t->year,
				  PICK(rng, music_formats));
	else if (style < 7)
	{
		sb_printf(b, "[%s] ", PICK(rng, music_formats));
		sb_printf(b, "%s - %s (%d) [%s]", t->person, t->title, t->year,
				  PICK(rng, music_extras));
	}
	else if (style < 9)
	{
		int			last = t->year + 3 + (int) rnd(rng, 30);

		sb_printf(b, "%s - Discography (%d-%d) [%s]", t->person, t->year,
				  last, PICK(rng, music_formats));
	}
	else
	{
		sb_word(b, t->person, '_');
		sb_put(b, "-");
		sb_word(b, t->title, '_');
		sb_printf(b, "-WEB-%d-%s", t->year, scene_groups[t->group]);
	}
}

static void
name_software(struct sbuf *b, struct names_torrent *t, uint64_t *rng)
{
	uint32_t	style = rnd(rng, 10);
	unsigned	major = 1 + rnd(rng, 30);
	unsigned	minor = rnd(rng, 10);
	unsigned	patch = rnd(rng, 20);

	t->file_type = NAMES_FILE_PROGRAM;
	if (style < 4)
	{
		sb_word(b, PICK(rng, programs), t->sep);
		sb_printf(b, "%cv%u.%u.%u%cx64-%s", t->sep, major, minor, patch,
				  t->sep, PICK(rng, crack_groups));
	}
	else if (style < 6)
	{
		sb_put(b, PICK(rng, programs));
		sb_printf(b, " %d v%u.%u.%u (x64) Multilingual [%s]",
				  2000 + t->year % 25,
				  major, minor, patch, PICK(rng, crack_groups));
	}
	else if (style < 8)
	{
		sb_put(b, PICK(rng, distros));
		sb_printf(b, "-%u.%u.%u-amd64-%s", major % 25, minor, patch,
				  chance(rng, 50) ? "DVD-1" : "netinst");
		t->file_type = NAMES_FILE_DISC;
	}
	else
	{
		sb_word(b, PICK(rng, games), style == 8 ? t->sep : ' ');
		if (style == 8)
			sb_printf(b, "-%s", PICK(rng, crack_groups));
		else
			sb_put(b, " [FitGirl Repack]");
		t->file_type = NAMES_FILE_DATA;
	}
}

static void
name_ebook(struct sbuf *b, struct names_torrent *t, uint64_t *rng)
{
	uint32_t	style = rnd(rng, 10);

	t->file_type = NAMES_FILE_BOOK;
	if (t->single || style < 6)
		sb_printf(b, "%s - %s (%d)", t->person, t->title, t->year);
	else if (style < 8)
		sb_printf(b, "%s - Collected Works", t->person);
	else
		sb_printf(b, "%s Series (Books 1-%u) by %s", t->title,
				  3 + rnd(rng, 12), t->person);
	if (!t->single)
		sb_printf(b, " [%s]", PICK(rng, book_formats));
}

static void
name_anime(struct sbuf *b, struct names_torrent *t, uint64_t *rng)
{
	const char *sub = sub_groups[t->group % NELEM(sub_groups)];
	uint32_t	style = rnd(rng, 10);

	if (t->single)
	{
		uint32_t	ep = 1 + rnd(rng, 24);

		sb_printf(b, "[%s] %s - %02u [%s][%08X]", sub, t->title, ep,
				  resolutions[t->res],
				  (unsigned) (splitmix64_next(rng) >> 32));
		t->file_type = NAMES_FILE_EPISODE;
	}
	else if (style < 5)
		sb_printf(b, "[%s] %s (01-%02u) [%s]", sub, t->title,
				  12 + rnd(rng, 14), resolutions[t->res]);
	else if (style < 8)
		sb_printf(b, "[%s] %s S%d [BD %s HEVC][Dual Audio]", sub, t->title,
				  t->season, resolutions[t->res]);
	else
		sb_printf(b, "%s 第%d季 [%s]", t->title, t->season,
				  resolutions[t->res]);
}

/* The single file's extension, by category */
static const char *
single_ext(const struct names_torrent *t, uint64_t *rng)
{
	static const char *const video[] = {".mkv", ".mkv", ".mp4", ".avi"};
	static const char *const audio[] = {".mp3", ".flac", ".m4a"};
	static const char *const soft[] = {".exe", ".zip", ".dmg", ".7z"};

	switch (t->category)
	{
		case NAMES_MUSIC:
			return PICK(rng, audio);
		case NAMES_SOFTWARE:
			return t->file_type == NAMES_FILE_DISC ? ".iso" : PICK(rng, soft);
		case NAMES_EBOOK:
			return PICK(rng, book_exts);
		case NAMES_ANIME:
			return ".mkv";
		default:
			return PICK(rng, video);
	}
}

/* Draw the category and the parts (title, year, ...) the name uses */
static void
draw_parts(uint64_t *rng, struct names_torrent *t)
{
	struct sbuf b;
	uint32_t	w = rnd(rng, 100);
	int			c = 0;
	static const char seps[] = {'.', '.', '.', '.', '.', '.', ' ', ' ', '_'};

	while (c < NAMES_NCATEGORIES - 1 && w >= category_weights[c])
		w -= category_weights[c++];
	t->category = c;
	t->single = chance(rng, 55);
	t->seed = splitmix64_next(rng);
	t->sep = (c == NAMES_MOVIE || c == NAMES_TV || c == NAMES_SOFTWARE) ?
		PICK(rng, seps) : ' ';
	t->year = 1960 + (int) rnd(rng, 65);
	t->season = 1 + (int) rnd(rng, rnd(rng, 3) == 0 ? 12 : 4);
	t->res = (int) rnd(rng, NELEM(resolutions));
	t->source = (int) rnd(rng, NELEM(sources));
	t->codec = (int) rnd(rng, NELEM(codecs));
	t->group = (int) rnd(rng, NELEM(scene_groups));
	sb_init(&b, t->title, 80);
	if (c == NAMES_ANIME)
		sb_put(&b, PICK(rng, anime_titles));
	else
		put_title(&b, rng, t->sep);
	sb_init(&b, t->person, 60);
	if (c == NAMES_MUSIC)
		sb_put(&b, PICK(rng, artists));
	else if (c == NAMES_EBOOK)
		sb_put(&b, PICK(rng, authors));
}

/*
 * Draw a category and a name from *rng.  The stem leaves room for the
 * extension of a single-file name and for an emoji.
 */
void
names_torrent(uint64_t *rng, struct names_torrent *t)
{
	struct sbuf b;
	int			emo = rnd(rng, 100);

	memset(t, 0, sizeof(*t));
	draw_parts(rng, t);
	sb_init(&b, t->name, NAMES_MAX_NAME - EXT_ROOM);
	if (emo < 2)
		sb_printf(&b, "%s ", PICK(rng, emoji));
	switch (t->category)
	{
		case NAMES_MOVIE:
			name_movie(&b, t, rng);
			break;
		case NAMES_TV:
			name_tv(&b, t, rng);
			break;
		case NAMES_MUSIC:
			name_music(&b, t, rng);
			break;
		case NAMES_SOFTWARE:
			name_software(&b, t, rng);
			break;
		case NAMES_EBOOK:
			name_ebook(&b, t, rng);
			break;
		default:
			name_anime(&b, t, rng);
			break;
	}
	sb_allow(&b, NAMES_MAX_NAME);
	if (t->single)
		sb_put(&b, single_ext(t, rng));
	else if (emo >= 2 && emo < 4)
		sb_printf(&b, " %s", PICK(rng, emoji));
	t->name_len = b.len;
}

const char *
names_category_name(int category)
{
	if (category < 0 || category >= NAMES_NCATEGORIES)
		return "unknown";
	return category_names[category];
}

/* ------------------------------------------------------------------------
 * Multi-file layout
 * ------------------------------------------------------------------------
 */

/* Main files per innermost directory and directories per parent */
static void
layout_shape(struct names_layout *L, uint64_t *rng)
{
	static const uint32_t lo[NAMES_NCATEGORIES] = {1, 6, 8, 5, 1, 12};
	static const uint32_t hi[NAMES_NCATEGORIES] = {3, 26, 20, 80, 12, 26};
	static const uint32_t flo[NAMES_NCATEGORIES] = {10, 2, 3, 3, 10, 2};
	static const uint32_t fhi[NAMES_NCATEGORIES] = {40, 20, 15, 12, 50, 8};
	int			c = L->t->category;

	L->per_dir = lo[c] + rnd(rng, hi[c] - lo[c] + 1);
	L->fanout = flo[c] + rnd(rng, fhi[c] - flo[c] + 1);
}

/*
 * Plan nfiles files: a few trailing extras (a movie's are most of a small
 * torrent), the rest in directories of per_dir files, as many levels as
 * the fan-out needs (at most NAMES_MAX_DIRS; the top level is unbounded).
 * Software nests 0..NAMES_MAX_DIRS levels whatever its size, like games.
 */
void
names_layout_init(struct names_layout *L, const struct names_torrent *t,
				  uint32_t nfiles, uint64_t *rng)
{
	uint32_t	maxextra = nfiles - 1 < 3 ? nfiles - 1 : 3;
	uint64_t	dirs;
	uint64_t	reach;

	memset(L, 0, sizeof(*L));
	L->t = t;
	L->nfiles = nfiles;
	if (t->category == NAMES_MOVIE && nfiles <= 4)
		L->nextra = nfiles - 1;
	else
		L->nextra = rnd(rng, maxextra + 1);
	layout_shape(L, rng);
	dirs = (nfiles - L->nextra + L->per_dir - 1) / L->per_dir;
	reach = 1;
	while (reach < dirs && L->levels < NAMES_MAX_DIRS)
	{
		L->levels++;
		reach *= L->fanout;
	}
	if (t->category == NAMES_SOFTWARE)
	{
		int			min = (int) rnd(rng, NAMES_MAX_DIRS + 1);

		if (L->levels < min)
			L->levels = min;
	}
}

/* Start a new component of p; returns a builder over its bytes */
static void
comp_begin(struct names_path *p, struct sbuf *b)
{
	if (p->ncomp > 0)
		p->buf[p->len++] = '\0';
	sb_init(b, p->buf + p->len, NAMES_MAX_NAME - EXT_ROOM);
}

/* Finish the component being built in b */
static void
comp_end(struct names_path *p, const struct sbuf *b)
{
	p->len += b->len;
	p->ncomp++;
}

/* A movie title and year for directory (level 0, index g) */
static void
dir_movie(const struct names_torrent *t, uint64_t g, struct sbuf *b,
		  int *year)
{
	uint64_t	r = dir_rng(t, 0, g);

	put_title(b, &r, '.');
	*year = 1960 + (int) rnd(&r, 65);
}

/*
 * Name of the directory at depth d counted from the innermost (0), with
 * index idx inside its parent and g across its level.
 */
static void
dir_name(const struct names_torrent *t, int d, uint64_t idx, uint64_t g,
		 struct sbuf *b)
{
	uint64_t	r = dir_rng(t, d, g);
	int			year;

	if (t->category == NAMES_SOFTWARE)
	{
		sb_put(b, asset_dirs[(g + 5 * (uint64_t) d + (t->seed >> 16)) %
							 NELEM(asset_dirs)]);
		if (g >= NELEM(asset_dirs))
			sb_printf(b, "_%llu", (unsigned long long) (g / NELEM(asset_dirs)));
		return;
	}
	if (d >= 2)
	{
		static const char *const boxes[] = {"Part", "Disc", "Vol.", "Box"};

		sb_printf(b, "%s %llu", boxes[(t->seed >> 8) % NELEM(boxes)],
				  (unsigned long long) idx + 1);
		return;
	}
	switch (t->category)
	{
		case NAMES_MOVIE:
			if (d == 0)
			{
				dir_movie(t, g, b, &year);
				sb_printf(b, " (%d)", year);
			}
			else
				sb_printf(b, "%s Collection %llu", PICK(&r, genres),
						  (unsigned long long) idx + 1);
			break;
		case NAMES_TV:
		case NAMES_ANIME:
			if (d == 0 && (t->seed & 1))
				sb_printf(b, "Season %llu", (unsigned long long) idx + 1);
			else if (d == 0)
				sb_printf(b, "S%02llu", (unsigned long long) idx + 1);
			else
				put_title(b, &r, ' ');
			break;
		case NAMES_MUSIC:
			if (d == 0)
			{
				sb_printf(b, "%d - ", 1960 + (int) rnd(&r, 65));
				put_title(b, &r, ' ');
			}
			else
				sb_put(b, PICK(&r, artists));
			break;
		default:
			sb_put(b, d == 0 ? PICK(&r, authors) : PICK(&r, genres));
			break;
	}
}

/* Leaf of a movie: the video, its subtitles, its nfo, further parts */
static int
leaf_movie(const struct names_layout *L, uint64_t l, uint64_t g,
		   struct sbuf *b)
{
	const struct names_torrent *t = L->t;
	int			year;

	if (L->levels == 0)
		sb_put(b, t->name);
	else
	{
		dir_movie(t, g, b, &year);
		sb_printf(b, ".%d.%s.%s.%s-%s", year, resolutions[t->res],
				  sources[t->source], codecs[t->codec],
				  scene_groups[t->group]);
	}
	sb_allow(b, NAMES_MAX_NAME);
	if (l == 0)
		sb_put(b, ".mkv");
	else if (l == 1)
		sb_put(b, ".srt");
	else if (l == 2)
		sb_put(b, ".nfo");
	else
		sb_printf(b, ".part%llu.mkv", (unsigned long long) l - 1);
	return l == 1 ? NAMES_FILE_SUBTITLE :
		l == 2 ? NAMES_FILE_TEXT : NAMES_FILE_MOVIE;
}

/* Leaf of an episode: scene style or "Show - 2x05 - Title" */
static int
leaf_episode(const struct names_layout *L, uint64_t l, uint64_t g,
			 uint64_t *rng, struct sbuf *b)
{
	const struct names_torrent *t = L->t;
	unsigned long long season = L->levels == 0 ?
		(unsigned long long) t->season :
		(L->levels > 1 ? g % L->fanout : g) + 1;
	unsigned long long ep = l + 1;

	if (t->category == NAMES_ANIME)
	{
		ep = L->levels > 0 ? g * L->per_dir + l + 1 : l + 1;
		sb_printf(b, "[%s] %s - %02llu [%s][%08X]",
				  sub_groups[t->group % NELEM(sub_groups)], t->title, ep,
				  resolutions[t->res],
				  (unsigned) (splitmix64_next(rng) >> 32));
	}
	else if ((t->seed >> 1) & 1)
	{
		sb_printf(b, "%s%cS%02lluE%02llu", t->title, t->sep, season, ep);
		put_scene_tail(b, t, rng);
	}
	else
	{
		sb_printf(b, "%s - %llux%02llu - ", t->title, season, ep);
		put_title(b, rng, ' ');
	}
	sb_allow(b, NAMES_MAX_NAME);
	sb_put(b, ".mkv");
	return NAMES_FILE_EPISODE;
}

/* Leaf of a track: "01 - Song Title.flac" */
static int
leaf_track(const struct names_layout *L, uint64_t l, uint64_t *rng,
		   struct sbuf *b)
{
	const struct names_torrent *t = L->t;

	if ((t->seed >> 2) & 1)
		sb_printf(b, "%02llu - ", (unsigned long long) l + 1);
	else
		sb_printf(b, "%02llu. %s - ", (unsigned long long) l + 1, t->person);
	put_title(b, rng, ' ');
	sb_allow(b, NAMES_MAX_NAME);
	sb_put(b, ((t->seed >> 3) & 3) == 0 ? ".mp3" : ".flac");
	return NAMES_FILE_AUDIO;
}

/* Leaf of a software or game asset: "texture_0012.png" */
static int
leaf_asset(uint64_t l, uint64_t *rng, struct sbuf *b)
{
	uint32_t	e = rnd(rng, NELEM(asset_exts));

	sb_printf(b, "%s_%04llu%s", PICK(rng, asset_words),
			  (unsigned long long) l, asset_exts[e].ext);
	return asset_exts[e].type;
}

/* Leaf of a book: "Author - Title (Year).epub" */
static int
leaf_book(const struct names_layout *L, uint64_t g, uint64_t *rng,
		  struct sbuf *b)
{
	const struct names_torrent *t = L->t;

	if (L->levels > 0)
	{
		uint64_t	r = dir_rng(t, 0, g);

		sb_put(b, PICK(&r, authors));
	}
	else
		sb_put(b, t->person[0] ? t->person : PICK(rng, authors));
	sb_put(b, " - ");
	put_title(b, rng, ' ');
	sb_printf(b, " (%d)", 1900 + (int) rnd(rng, 125));
	sb_allow(b, NAMES_MAX_NAME);
	sb_put(b, book_exts[(t->seed >> 5) % NELEM(book_exts)]);
	return NAMES_FILE_BOOK;
}

/* An extra of a video torrent: sample, subtitles, nfo, poster */
static int
extra_video(const struct names_torrent *t, uint32_t kind, uint32_t e,
			struct names_path *p, struct sbuf *b)
{
	switch (kind)
	{
		case 0:
			sb_put(b, "Sample");
			comp_end(p, b);
			comp_begin(p, b);
			sb_put(b, e == 0 ? "sample.mkv" : "sample-2.mkv");
			return NAMES_FILE_SAMPLE;
		case 1:
			sb_put(b, "Subs");
			comp_end(p, b);
			comp_begin(p, b);
			if (e == 0)
				sb_printf(b, "%s.srt", languages[0]);
			else
				sb_printf(b, "%u_%s.srt", e + 1,
						  languages[(t->seed + e) % NELEM(languages)]);
			return NAMES_FILE_SUBTITLE;
		case 2:
			sb_printf(b, "%s.nfo", scene_groups[t->group]);
			return NAMES_FILE_TEXT;
		default:
			sb_put(b, (t->seed >> 9) & 1 ? "cover.jpg" : "poster.jpg");
			return NAMES_FILE_IMAGE;
	}
}

/* An extra of another torrent: cover, cue, readme, crack */
static int
extra_other(const struct names_torrent *t, uint32_t kind,
			struct names_path *p, struct sbuf *b)
{
	static const char *const sub_dirs[NAMES_NCATEGORIES] = {
		"Extras", "Extras", "Scans", "Crack", "Bonus", "Extras"
	};

	switch (kind)
	{
		case 0:
			sb_put(b, "cover.jpg");
			return NAMES_FILE_IMAGE;
		case 1:
			if (t->category == NAMES_MUSIC)
				sb_printf(b, "%s - %s.cue", t->person, t->title);
			else
				sb_put(b, "Readme.txt");
			return NAMES_FILE_TEXT;
		case 2:
			sb_put(b, sub_dirs[t->category]);
			comp_end(p, b);
			comp_begin(p, b);
			if (t->category == NAMES_SOFTWARE)
				sb_put(b, "patch.exe");
			else
				sb_put(b, "Back.jpg");
			return t->category == NAMES_SOFTWARE ? NAMES_FILE_PROGRAM :
				NAMES_FILE_IMAGE;
		default:
			sb_put(b, t->category == NAMES_EBOOK ? "metadata.opf" :
				   t->category == NAMES_MUSIC ? "rip.log" : "setup.exe");
			return t->category == NAMES_SOFTWARE ? NAMES_FILE_PROGRAM :
				NAMES_FILE_TEXT;
	}
}

/* Extra e: each torrent starts at its own kind, one kind per extra */
static int
extra_file(const struct names_layout *L, uint32_t e, struct names_path *p)
{
	const struct names_torrent *t = L->t;
	uint32_t	kind = (uint32_t) ((t->seed >> 12) + e) % 4;
	struct sbuf b;
	int			type;

	comp_begin(p, &b);
	if (t->category == NAMES_MOVIE || t->category == NAMES_TV ||
		t->category == NAMES_ANIME)
		type = extra_video(t, kind, e, p, &b);
	else
		type = extra_other(t, kind, p, &b);
	comp_end(p, &b);
	return type;
}

/* Leaf of main file l of innermost directory g, by category */
static int
main_leaf(const struct names_layout *L, uint64_t l, uint64_t g,
		  uint64_t *rng, struct sbuf *b)
{
	switch (L->t->category)
	{
		case NAMES_MOVIE:
			return leaf_movie(L, l, g, b);
		case NAMES_TV:
		case NAMES_ANIME:
			return leaf_episode(L, l, g, rng, b);
		case NAMES_MUSIC:
			return leaf_track(L, l, rng, b);
		case NAMES_SOFTWARE:
			return leaf_asset(l, rng, b);
		default:
			return leaf_book(L, g, rng, b);
	}
}

/*
 * Path of file j into *p: extras are the last L->nextra files; a main file
 * gets its directory chain (outermost first) and then its leaf.
 */
void
names_file(const struct names_layout *L, uint32_t j, uint64_t *rng,
		   struct names_path *p)
{
	uint32_t	nmain = L->nfiles - L->nextra;
	uint64_t	flat = j / L->per_dir;
	uint64_t	div = 1;
	struct sbuf b;
	int			k;

	p->len = 0;
	p->ncomp = 0;
	if (j >= nmain)
	{
		p->type = extra_file(L, j - nmain, p);
		return;
	}
	for (k = 1; k < L->levels; k++)
		div *= L->fanout;
	for (k = L->levels - 1; k >= 0; k--)
	{
		uint64_t	g = flat / div;

		comp_begin(p, &b);
		dir_name(L->t, k, k == L->levels - 1 ? g : g % L->fanout, g, &b);
		comp_end(p, &b);
		div = div > 1 ? div / L->fanout : 1;
	}
	comp_begin(p, &b);
	p->type = main_leaf(L, j % L->per_dir, flat, rng, &b);
	comp_end(p, &b);
}

/*
 * Insert " (k)" before the leaf's extension.  The leaf is the last
 * component; its extension starts at its last '.', never at its first byte.
 */
void
names_path_variant(struct names_path *p, uint32_t k)
{
	char		leaf[NAMES_MAX_NAME + 1];
	char		suffix[16];
	size_t		start = p->len;
	size_t		n,
				dot,
				keep;
	struct sbuf b;

	while (start > 0 && p->buf[start - 1] != '\0')
		start--;
	n = p->len - start;
	memcpy(leaf, p->buf + start, n);
	leaf[n] = '\0';
	dot = n;
	while (dot > 1 && leaf[dot - 1] != '.')
		dot--;
	dot = dot > 1 ? dot - 1 : n;
	snprintf(suffix, sizeof(suffix), " (%u)", k);
	keep = NAMES_MAX_NAME - strlen(suffix) - (n - dot);
	sb_init(&b, p->buf + start, keep < dot ? keep : dot);
	sb_putsep(&b, leaf, dot, ' ');
	sb_allow(&b, NAMES_MAX_NAME);
	sb_put(&b, suffix);
	sb_putsep(&b, leaf + dot, n - dot, ' ');
	p->len = start + b.len;
}
