#!/usr/bin/perl
# tnet's namespace worker: configures many network namespaces from one process, over rtnetlink.
#
# Why: entering a namespace with nsenter and running ip there costs two exec()s, ~3 ms, per namespace; a
# thousand containers spend seconds on process start-up for a millisecond of kernel work. This worker
# setns()es into each namespace in turn and speaks rtnetlink itself. Perl because perl-base is on every
# Debian system and its core has what this needs (syscall, Socket). When it cannot run (no perl, an
# architecture whose setns number is unknown here) tnet falls back to nsenter + `ip -batch`.
#
# Input, one namespace per line: PATH <TAB> OP <TAB> OP ...   where OP is one of the ops below. tnet writes
# them in one place only, the `worker` parts of the table in src/actuate/link-ops.ts: change both together.
#   mark ALIAS                              lo up, with tnet's mark as its alias
#   link NAME [mtu N] [mac M] [noipv6] [up|down]      options in any order: attributes first, then flags
#   addr-add NAME ADDR/P | addr-del NAME ADDR/P          (IPv4, or IPv6 added without DAD: nodad)
#   route-replace DST VIA|- NAME | route-del DST NAME|-      (DST: default, A.B.C.D/P, or an IPv6 CIDR: ::/0 is IPv6's default)
#   link-del NAME
#   host-alias NAME ALIAS                  the alias of NAME in the namespace the worker started in (a seal)
# PATH "-" is the namespace the worker started in.
# Output, one line per namespace: "OK PATH", or "ERR PATH <TAB> N <TAB> OP <TAB> message" for the first op
# that failed (the namespace's later ops are not run, as with `ip -batch`).
#
# With --read it only reads: input NAME <TAB> PATH per line; output per namespace "@@NAME", then its links
# with their IPv4 and global IPv6 addresses, its main-table IPv4 routes and its main-table IPv6 routes, as three
# lines of the JSON `ip -j -d addr show`, `ip -j -d route show` and `ip -6 -j route show` print (the fields
# src/observe/ip-json.ts reads), or nothing after "@@NAME" when the
# namespace cannot be entered. Entering by nsenter + ip costs two exec()s per namespace, more than the reading.
#
# With --nsids it reads, without entering, the id the worker's own namespace has for each: input NAME <TAB>
# PATH per line, output "NAME <TAB> NSID <TAB> DEV <TAB> INO" for each it can open, NSID empty when it has
# none, DEV and INO the file's (fstat of the descriptor opened anyway: a namespace's identity when it is
# one). `ip netns list` does the same with twice the opens and requests; `ip netns list-id` returns an
# incomplete list past a few hundred namespaces.
use strict;
use warnings;
use Socket qw(SOCK_RAW AF_INET6 inet_pton inet_ntop);
use POSIX ();

my %SETNS = (x86_64 => 308, aarch64 => 268, riscv64 => 268, loongarch64 => 268, ppc64le => 350, ppc64 => 350, s390x => 339, i686 => 346, i386 => 346, armv7l => 375);
my $SYS_setns = $SETNS{(POSIX::uname())[4]};
exit 3 unless defined $SYS_setns;    # the caller falls back to nsenter + ip

use constant {
  CLONE_NEWNET => 0x40000000, AF_NETLINK => 16, NETLINK_ROUTE => 0,
  REQUEST => 1, ACK => 4, REPLACE => 0x100, EXCL => 0x200, CREATE => 0x400,
  NEWLINK => 16, DELLINK => 17, GETLINK => 18, NEWADDR => 20, DELADDR => 21, GETADDR => 22, NEWROUTE => 24,
  DELROUTE => 25, GETROUTE => 26, NEWNSID => 88, GETNSID => 90, DUMP => 0x300, DONE => 3, IFF_UP => 1,
};
$| = 1;
my $seq = 0;

sub attr {
  my ($type, $data) = @_;
  my $len = 4 + length $data;
  return pack('SS', $len, $type) . $data . ("\0" x ((4 - $len % 4) % 4));
}
sub ip4  { pack 'C4', split /\./, $_[0] }
sub ip6  { inet_pton(AF_INET6, $_[0]) }
sub is6  { index($_[0], ':') >= 0 }
sub mac  { pack 'C6', map { hex } split /:/, $_[0] }
sub ifinfo { my ($index, $flags, $change) = @_; pack 'CCSlLL', 0, 0, 0, $index, $flags, $change }

# One request, read up to its ack: undef on success, or the kernel's message; a GETLINK returns its ifinfomsg.
sub talk {
  my ($sock, $type, $flags, $body) = @_;
  my $reply;
  $seq++;
  send($sock, pack('LSSLL', 16 + length $body, $type, $flags | REQUEST | ACK, $seq, 0) . $body, 0) or return "send: $!";
  while (1) {
    my $buf = '';
    defined recv($sock, $buf, 65536, 0) or return "recv: $!";
    while (length $buf >= 16) {
      my ($len, $t) = unpack 'LS', $buf;
      my $msg = substr $buf, 0, $len;
      $buf = substr $buf, ($len + 3) & ~3;
      if ($t == 2) {
        my $err = -unpack('l', substr $msg, 16, 4);
        return $reply unless $err;
        local $! = $err;
        return "$!";
      }
      $reply = [unpack 'CCSlLL', substr $msg, 16, 16] if $t == NEWLINK;
    }
  }
}

sub index_of {
  my ($sock, $name) = @_;
  my $r = talk($sock, GETLINK, 0, ifinfo(0, 0, 0) . attr(3, "$name\0"));
  return ref $r ? ($r->[3], undef) : (0, $r // "no interface $name");
}

sub cidr { my ($ip, $p) = split m{/}, $_[0]; return ($ip, $p // 32) }

sub broadcast {
  my ($ip, $p) = @_;
  my $n = unpack 'N', ip4($ip);
  my $host = $p == 32 ? 0 : (2**(32 - $p)) - 1;
  return pack 'N', ($n | $host);
}

sub do_link {
  my ($sock, $name, @opts) = @_;
  my ($index, $err) = index_of($sock, $name);
  return $err if $err;
  my ($flags, $change, $attrs) = (0, 0, '');
  while (@opts) {
    my $o = shift @opts;
    if ($o eq 'up') { ($flags, $change) = (IFF_UP, IFF_UP) }
    elsif ($o eq 'down') { ($flags, $change) = (0, IFF_UP) }
    elsif ($o eq 'mac') { $attrs .= attr(1, mac(shift @opts)) }
    elsif ($o eq 'mtu') { $attrs .= attr(4, pack 'L', shift @opts) }
    elsif ($o eq 'noipv6') { $attrs .= attr(26, attr(10, attr(8, pack 'C', 1))) }    # IN6_ADDR_GEN_MODE_NONE
    else { return "unknown link option $o" }
  }
  # Attributes before the flags: a MAC can only change while the link is down, as `ip link set` orders it.
  if ($attrs ne '') { my $e = talk($sock, NEWLINK, 0, ifinfo($index, 0, 0) . $attrs); return $e if $e }
  return $change ? talk($sock, NEWLINK, 0, ifinfo($index, $flags, $change)) : undef;
}

sub do_addr {
  my ($sock, $type, $name, $cidr) = @_;
  my ($index, $err) = index_of($sock, $name);
  return $err if $err;
  if (is6($cidr)) {
    my ($ip, $p) = split m{/}, $cidr;
    my $bin = ip6($ip) // return "bad address $ip";
    # IFA_F_NODAD (0x02): the address is usable at once, no second of duplicate detection.
    my $body = pack('CCCCL', 10, $p // 128, 0x02, 0, $index) . attr(1, $bin) . attr(8, pack 'L', 0x02);
    return talk($sock, $type, $type == NEWADDR ? CREATE | REPLACE : 0, $body);
  }
  my ($ip, $p) = cidr($cidr);
  my $body = pack('CCCCL', 2, $p, 0, 0, $index) . attr(2, ip4($ip)) . attr(1, ip4($ip));
  $body .= attr(4, broadcast($ip, $p)) if $type == NEWADDR && $p < 31;
  return talk($sock, $type, $type == NEWADDR ? CREATE | REPLACE : 0, $body);
}

sub do_route {
  my ($sock, $type, $dst, $via, $name) = @_;
  my $v6 = is6($dst);
  my ($dip, $dlen) = $dst eq 'default' ? ('0.0.0.0', 0) : $v6 ? split(m{/}, $dst) : cidr($dst);
  my $addr = $v6 ? \&ip6 : \&ip4;
  # main table, boot protocol (as `ip route` adds), universe scope, unicast
  my $body = pack('CCCCCCCCL', $v6 ? 10 : 2, $dlen, 0, 0, 254, 3, 0, 1, 0);
  $body .= attr(1, $addr->($dip)) if $dlen;
  $body .= attr(5, $addr->($via)) if defined $via && $via ne '-';
  if (defined $name && $name ne '-') {
    my ($index, $err) = index_of($sock, $name);
    return $err if $err;
    $body .= attr(4, pack 'L', $index);
  }
  return talk($sock, $type, $type == NEWROUTE ? CREATE | REPLACE : 0, $body);
}

sub run_op {
  my ($sock, $op) = @_;
  my ($verb, @a) = split / /, $op;
  return host_alias(@a) if $verb eq 'host-alias';
  return talk($sock, NEWLINK, 0, ifinfo(1, IFF_UP, IFF_UP) . attr(20, $a[0])) if $verb eq 'mark';    # lo is 1
  return do_link($sock, @a) if $verb eq 'link';
  return do_addr($sock, NEWADDR, @a) if $verb eq 'addr-add';
  return do_addr($sock, DELADDR, @a) if $verb eq 'addr-del';
  return do_route($sock, NEWROUTE, @a) if $verb eq 'route-replace';
  return do_route($sock, DELROUTE, $a[0], '-', $a[1]) if $verb eq 'route-del';
  if ($verb eq 'link-del') {
    my ($index, $err) = index_of($sock, $a[0]);
    return $err // talk($sock, DELLINK, 0, ifinfo($index, 0, 0));
  }
  return "unknown op $verb";
}

# Opened before any setns: the host's own namespace, and a socket that stays in it.
open my $HOST, '<', '/proc/self/ns/net' or die "cannot open /proc/self/ns/net: $!\n";
socket(my $HOSTSOCK, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) or die "socket: $!\n";

# By name (IFLA_IFNAME, index 0): looking the index up first would make the kernel fill a whole link message,
# which on a host of 10,000 veths costs as much as the change.
sub host_alias {
  my ($name, $alias) = @_;
  return talk($HOSTSOCK, NEWLINK, 0, ifinfo(0, 0, 0) . attr(3, "$name\0") . attr(20, $alias));
}

# ---- reading (--read)

# Every message of a dump up to DONE: [type, body] pairs, or the error text.
sub dump_all {
  my ($sock, $type, $body) = @_;
  $seq++;
  send($sock, pack('LSSLL', 16 + length $body, $type, REQUEST | DUMP, $seq, 0) . $body, 0) or return "send: $!";
  my @out;
  while (1) {
    my $buf = '';
    defined recv($sock, $buf, 1 << 20, 0) or return "recv: $!";
    while (length $buf >= 16) {
      my ($len, $t) = unpack 'LS', $buf;
      last if $len < 16;
      my $msg = substr $buf, 0, $len;
      $buf = substr $buf, ($len + 3) & ~3;
      return \@out if $t == DONE;
      return 'dump failed: ' . -unpack('l', substr $msg, 16, 4) if $t == 2;
      push @out, [$t, substr $msg, 16];
    }
  }
}

# type => data of each attribute from OFFSET on (the first one of a type wins, as nested ones are read apart).
sub attrs {
  my ($data, $offset) = @_;
  my %a;
  while ($offset + 4 <= length $data) {
    my ($len, $type) = unpack 'SS', substr $data, $offset, 4;
    last if $len < 4;
    $type &= 0x3fff;    # without NLA_F_NESTED and NLA_F_NET_BYTEORDER
    $a{$type} //= substr $data, $offset + 4, $len - 4;
    $offset += ($len + 3) & ~3;
  }
  return \%a;
}

sub cstr { my $s = shift; $s =~ s/\0.*//s; return $s }
sub jstr {
  my $s = shift;
  $s =~ s/(["\\])/\\$1/g;
  $s =~ s/([\x00-\x1f])/sprintf('\\u%04x', ord $1)/ge;
  return qq("$s");
}
sub dotted { join '.', unpack 'C4', $_[0] }

sub read_links {
  my ($sock) = @_;
  my $links = dump_all($sock, GETLINK, pack('CCSlLL', 0, 0, 0, 0, 0, 0));
  return $links unless ref $links;
  my $addrs = dump_all($sock, GETADDR, pack('CCCCL', 0, 0, 0, 0, 0));
  return $addrs unless ref $addrs;
  my (%name, %addr_info);
  my @rows;
  for my $m (@$links) {
    next unless $m->[0] == NEWLINK;
    my (undef, undef, undef, $index, $flags) = unpack 'CCSlL', $m->[1];
    my $a = attrs($m->[1], 16);
    $name{$index} = cstr($a->{3} // '');
    push @rows, [$index, $flags, $a];
  }
  for my $m (@$addrs) {
    my ($family, $plen, undef, $scope, $index) = unpack 'CCCCL', $m->[1];
    my $a = attrs($m->[1], 8);
    if ($family == 10 && $scope == 0 && defined $a->{1}) {    # global IPv6 only: link-local ones are the kernel's
      push @{$addr_info{$index}}, qq({"family":"inet6","local":") . inet_ntop(AF_INET6, $a->{1}) . qq(","prefixlen":$plen,"scope":"global"});
    }
    next unless $family == 2;
    my $local = $a->{2} // $a->{1} // next;
    push @{$addr_info{$index}}, qq({"family":"inet","local":") . dotted($local) . qq(","prefixlen":$plen});
  }
  my @json;
  for my $r (@rows) {
    my ($index, $flags, $a) = @$r;
    my @f = (qq("ifindex":$index), '"ifname":' . jstr($name{$index}), '"flags":[' . ($flags & IFF_UP ? '"UP"' : '') . ']');
    push @f, '"mtu":' . unpack('L', $a->{4}) if defined $a->{4};
    push @f, '"address":"' . join(':', map { sprintf '%02x', $_ } unpack 'C*', $a->{1}) . '"' if defined $a->{1};
    push @f, '"ifalias":' . jstr(cstr($a->{20})) if defined $a->{20} && cstr($a->{20}) ne '';
    push @f, '"master":' . jstr($name{unpack 'L', $a->{10}} // '') if defined $a->{10};
    # As `ip` prints it: the peer's index only when it lives in another namespace (else its name).
    if (defined $a->{37}) {
      my $link = defined $a->{5} ? unpack('L', $a->{5}) : 0;
      push @f, qq("link_index":$link) if $link;
      push @f, '"link_netnsid":' . unpack('l', $a->{37});
    }
    if (defined $a->{18}) {
      my $info = attrs($a->{18}, 0);
      my @i;
      push @i, '"info_kind":' . jstr(cstr($info->{1})) if defined $info->{1};
      push @i, '"info_slave_kind":' . jstr(cstr($info->{4})) if defined $info->{4};
      push @f, '"linkinfo":{' . join(',', @i) . '}' if @i;
    }
    push @f, '"addr_info":[' . join(',', @{$addr_info{$index} // []}) . ']';
    push @json, '{' . join(',', @f) . '}';
  }
  return ('[' . join(',', @json) . ']', \%name);
}

my %PROTO = (0 => 'unspec', 1 => 'redirect', 2 => 'kernel', 3 => 'boot', 4 => 'static');

# FAMILY 2 or 10: the main table's routes of that family, as `ip -j route show` (or `ip -6`) prints them.
sub read_routes {
  my ($sock, $name, $want) = @_;
  my $routes = dump_all($sock, GETROUTE, pack('CCCCCCCCL', $want, 0, 0, 0, 0, 0, 0, 0, 0));
  return $routes unless ref $routes;
  my $text = $want == 10 ? sub { inet_ntop(AF_INET6, $_[0]) } : \&dotted;
  my $full = $want == 10 ? 128 : 32;
  my @json;
  for my $m (@$routes) {
    my ($family, $dlen, undef, undef, $table, $proto, undef, $type) = unpack 'CCCCCCCC', $m->[1];
    my $a = attrs($m->[1], 12);
    $table = unpack 'L', $a->{15} if defined $a->{15};
    next unless $family == $want && $table == 254;
    my $dst = $dlen == 0 ? 'default' : $text->($a->{1} // ("\0" x ($full / 8))) . ($dlen == $full ? '' : "/$dlen");
    my @f = ('"dst":"' . $dst . '"');
    push @f, '"gateway":"' . $text->($a->{5}) . '"' if defined $a->{5};
    push @f, '"dev":' . jstr($name->{unpack 'L', $a->{4}} // '') if defined $a->{4};
    push @f, '"protocol":"' . ($PROTO{$proto} // $proto) . '"';
    push @json, '{' . join(',', @f) . '}';
  }
  return '[' . join(',', @json) . ']';
}

# The nsid of the namespace open as FH, or undef when it has none (or the request failed).
sub nsid_of {
  my ($sock, $fh) = @_;
  $seq++;
  my $body = pack('Cx3', 0) . attr(3, pack 'L', fileno $fh);    # rtgenmsg, NETNSA_FD
  send($sock, pack('LSSLL', 16 + length $body, GETNSID, REQUEST, $seq, 0) . $body, 0) or return undef;
  my $buf = '';
  defined recv($sock, $buf, 65536, 0) or return undef;
  my ($len, $t) = unpack 'LS', $buf;
  return undef unless $t == NEWNSID;
  my $id = attrs(substr($buf, 0, $len), 20)->{1};    # NETNSA_NSID
  return undef unless defined $id;
  $id = unpack 'l', $id;
  return $id < 0 ? undef : $id;
}

if (@ARGV && $ARGV[0] eq '--nsids') {
  socket(my $sock, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) or die "socket: $!\n";
  while (my $line = <STDIN>) {
    chomp $line;
    my ($nsname, $path) = split /\t/, $line;
    open my $fh, '<', $path or next;
    my ($dev, $ino) = stat $fh;
    my $id = nsid_of($sock, $fh);
    close $fh;
    next unless defined $ino;
    print "$nsname\t", (defined $id ? $id : ''), "\t$dev\t$ino\n";
  }
  exit 0;
}

if (@ARGV && $ARGV[0] eq '--read') {
  while (my $line = <STDIN>) {
    chomp $line;
    my ($nsname, $path) = split /\t/, $line;
    print "\@\@$nsname\n";
    open my $fh, '<', $path or next;
    next unless syscall($SYS_setns, fileno $fh, CLONE_NEWNET) == 0;
    close $fh;
    socket(my $sock, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) or next;
    my ($links, $names) = read_links($sock);
    my $routes = ref $names ? read_routes($sock, $names, 2) : undef;
    my $routes6 = ref $names ? read_routes($sock, $names, 10) : undef;
    close $sock;
    $routes6 = '[]' unless defined $routes6 && !ref $routes6 && $routes6 =~ /^\[/;
    print "$links\n$routes\n$routes6\n" if ref $names && defined $routes && !ref $routes && $routes =~ /^\[/;
  }
  exit 0;
}

while (my $line = <STDIN>) {
  chomp $line;
  my ($path, @ops) = split /\t/, $line;
  my $fh = $HOST;
  unless ($path eq '-' or open $fh, '<', $path) { print "ERR $path\t0\topen\t$!\n"; next }
  unless (syscall($SYS_setns, fileno $fh, CLONE_NEWNET) == 0) { print "ERR $path\t0\tsetns\t$!\n"; next }
  close $fh unless $path eq '-';
  # A socket belongs to the namespace it is created in: a new one for each namespace.
  socket(my $sock, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) or do { print "ERR $path\t0\tsocket\t$!\n"; next };
  my $failed;
  for my $i (0 .. $#ops) {
    my $err = run_op($sock, $ops[$i]);
    if ($err) { $failed = "ERR $path\t" . ($i + 1) . "\t$ops[$i]\t$err"; last }
  }
  close $sock;
  print $failed ? "$failed\n" : "OK $path\n";
}
