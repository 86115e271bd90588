#!/usr/bin/perl
# test/run_tap.pl: run the TAP suites (test/t/*.pl, or the files given) with
# TAP::Harness and print one line "tap: N passed, N failed" counting every
# assertion; a test file that dies or exits non-zero counts as one failure
# more, so a crash is never reported as a pass.
use strict;
use warnings;
use TAP::Harness;

my @tests = @ARGV ? @ARGV : sort glob('test/t/*.pl');
die "no TAP tests found\n" unless @tests;

my $harness = TAP::Harness->new({ verbosity => 0, timer => 1, color => 0 });
my $aggregate = $harness->runtests(@tests);

my ($passed, $failed) = (0, 0);
for my $test ($aggregate->descriptions) {
    my ($parser) = $aggregate->parsers($test);
    my $ok  = scalar($parser->passed);
    my $bad = scalar($parser->failed);
    $passed += $ok;
    $failed += $bad;
    if ($bad == 0 && ($parser->exit != 0 || $parser->has_problems)) {
        print "tap: $test: exited with status ", $parser->exit,
          ($parser->parse_errors ? ' (' . join('; ', $parser->parse_errors) . ')' : ''), "\n";
        $failed++;
    }
}
print "tap: $passed passed, $failed failed\n";
exit($failed ? 1 : 0);
