#!/usr/bin/env bash
# Checks the documentation: every relative link and anchor in README.md and docs/*.md resolves, and every code block
# marked as a snippet is still the code it claims to be.
#  - Links: [text](target), ![alt](target) and reference definitions "[name]: target", outside code blocks and code
#    spans. A target must be an existing file or folder (relative to the page); "#anchor" or "page.md#anchor" must name
#    a heading of that page (GitHub's anchors: lower case, punctuation dropped, spaces to '-', repeats get -1, -2, ...)
#    or an explicit <a id="..."> / <a name="...">. Absolute URLs (http:, https:, mailto:) are not fetched.
#  - Snippets: a line "<!-- snippet: path/to/file.cs -->" right before a fenced code block says that the block is taken
#    from that file (which the build compiles and a test runs): every line of the block, trimmed, must occur in the
#    file in the same order (lines that are "..." or "// ..." mark omissions and are skipped).
# Usage: bash build/check-links.sh [more .md files]     Exit code 1 when anything is broken (each problem on one line).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
files=(README.md docs/*.md "$@")
exec perl -CSD -e '
use strict;
use warnings;
use File::Spec;

my (%anchors_of, $links, $snippets, @problems);

sub read_lines { my ($path) = @_; open(my $fh, "<", $path) or return undef; my @l = <$fh>; close $fh; chomp @l; s/\r$// for @l; return \@l; }

# The anchors GitHub gives the headings of a page (and explicit <a id/name> anchors).
sub anchors {
    my ($path) = @_;
    return $anchors_of{$path} if exists $anchors_of{$path};
    my %set; my %seen;
    my $lines = read_lines($path) // [];
    my $fence = "";
    for my $line (@$lines) {
        if ($fence ne "") { $fence = "" if $line =~ /^\s*\Q$fence\E\s*$/; next; }
        if ($line =~ /^\s*(```+|~~~+)/) { $fence = $1; next; }
        while ($line =~ /<a\s+(?:id|name)\s*=\s*"([^"]+)"/g) { $set{$1} = 1; }
        next unless $line =~ /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/;
        my $text = $1;
        $text =~ s/!?\[([^\]]*)\]\([^)]*\)/$1/g;   # links and images: their text
        $text =~ s/<[^>]+>//g;                    # inline HTML
        $text =~ s/[`*]//g;                       # code spans, emphasis
        $text =~ s/(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])//g;
        my $slug = lc $text;
        $slug =~ s/[^\p{L}\p{M}\p{N}\p{Pc} \-]//g;
        $slug =~ s/ /-/g;
        my $unique = $slug;
        if (exists $seen{$slug}) { $seen{$slug}++; $unique = "$slug-$seen{$slug}"; } else { $seen{$slug} = 0; }
        $set{$unique} = 1;
    }
    return $anchors_of{$path} = \%set;
}

sub check_link {
    my ($page, $n, $target) = @_;
    return if $target =~ m{^(?:[a-z][a-z0-9+.\-]*:|//)}i;   # an absolute URL
    $links++;
    my ($file, $anchor) = $target =~ /^([^#]*)(?:#(.*))?$/;
    my (undef, $dir) = File::Spec->splitpath($page);
    my $resolved = $file eq "" ? $page : File::Spec->canonpath(File::Spec->catfile($dir eq "" ? "." : $dir, $file));
    $resolved =~ s/%20/ /g;
    if ($file ne "" && !-e $resolved) { push @problems, "$page:$n: link \x27$target\x27: no file or folder $resolved"; return; }
    return unless defined $anchor && $anchor ne "";
    if ($resolved !~ /\.md$/i || -d $resolved) { push @problems, "$page:$n: link \x27$target\x27: an anchor into $resolved, which is not a Markdown page"; return; }
    push @problems, "$page:$n: link \x27$target\x27: no heading with the anchor \x27#$anchor\x27 in $resolved" unless anchors($resolved)->{$anchor};
}

sub check_snippet {
    my ($page, $n, $source, $block) = @_;
    $snippets++;
    my $lines = read_lines($source);
    if (!defined $lines) { push @problems, "$page:$n: snippet from \x27$source\x27: no such file"; return; }
    my @src = map { my $s = $_; $s =~ s/^\s+|\s+$//g; $s } @$lines;
    my $i = 0;
    for my $entry (@$block) {
        my ($line, $ln) = @$entry;
        (my $want = $line) =~ s/^\s+|\s+$//g;
        next if $want eq "" || $want eq "..." || $want eq "// ...";
        $i++ while $i < @src && $src[$i] ne $want;
        if ($i >= @src) { push @problems, "$page:$ln: snippet line not found in $source (in this order): $want"; return; }
        $i++;
    }
}

for my $page (@ARGV) {
    my $lines = read_lines($page);
    if (!defined $lines) { push @problems, "$page: cannot be read"; next; }
    my ($fence, $snippet, $snippet_line, @block) = ("", undef, 0);
    my $pending;   # a snippet marker waiting for its code block
    for (my $k = 0; $k < @$lines; $k++) {
        my $line = $lines->[$k]; my $n = $k + 1;
        if ($fence ne "") {
            if ($line =~ /^\s*\Q$fence\E\s*$/) {
                check_snippet($page, $snippet_line, $snippet, [@block]) if defined $snippet;
                ($fence, $snippet, @block) = ("", undef);
            } elsif (defined $snippet) { push @block, [$line, $n]; }
            next;
        }
        if ($line =~ /^\s*(```+|~~~+)/) {
            $fence = $1;
            ($snippet, $snippet_line) = ($pending, $n - 1) if defined $pending;
            $pending = undef;
            next;
        }
        if (defined $pending) { push @problems, "$page:" . ($n - 1) . ": snippet marker not followed by a code block"; $pending = undef; }
        if ($line =~ /^\s*<!--\s*snippet:\s*(\S+)\s*-->\s*$/) { $pending = $1; next; }
        (my $text = $line) =~ s/(`+).*?\1//g;          # code spans
        while ($text =~ /!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g) { check_link($page, $n, $1); }
        check_link($page, $n, $1) if $text =~ /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/;
        while ($text =~ /<img\s[^>]*src="([^"]+)"/g) { check_link($page, $n, $1); }
    }
    push @problems, "$page: a code block is not closed" if $fence ne "";
}

print "$_\n" for @problems;
printf "check-links: %d pages, %d relative links, %d snippets; %d broken\n", scalar(@ARGV), $links // 0, $snippets // 0, scalar(@problems);
exit(@problems ? 1 : 0);
' "${files[@]}"
