// The lab's helper, a Perl script (perl-base is part of every Debian system): it creates the
// listeners and the probes inside the lab's network namespaces from ONE process, entering each
// namespace with setns(2) and keeping the sockets it made there. Node cannot enter namespaces, and a
// process per namespace would cost hundreds of interpreters.
// SCTP: the kernel's where it has SCTP; otherwise the handshake's first two chunks over raw IP
// sockets (INIT → INIT-ACK, or ABORT for a closed port), with valid CRC32c, so that the packets pass
// the same nftables rules and SCTP connection tracking as a real association's.

import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** setns(2) syscall numbers by Node's process.arch. */
const SETNS: Record<string, number> = { x64: 308, arm64: 268, riscv64: 268, loong64: 268, ia32: 346, arm: 375, ppc64: 350, s390x: 339 };

export function setnsSyscall(): number | undefined {
  return SETNS[process.arch];
}

/** Writes the helper into `dir`; returns its path. */
export function writeHelper(dir: string): string {
  const path = join(dir, "helper.pl");
  writeFileSync(path, HELPER_SCRIPT);
  return path;
}

const HELPER_SCRIPT = String.raw`use strict; use warnings;
use Socket qw(:DEFAULT IPPROTO_TCP IPPROTO_UDP inet_pton inet_ntop pack_sockaddr_in6 unpack_sockaddr_in6 AF_INET6 IPPROTO_IPV6 IPV6_V6ONLY);
use POSIX qw(EINPROGRESS);
use Errno;
use Fcntl qw(F_GETFL F_SETFL O_NONBLOCK);
use Time::HiRes qw(time);

# Junction lab helper: listeners and probes inside network namespaces, one process for all of them.
#   perl helper.pl SETNS_SYSCALL serve CONFIG   listeners: "ns PATH" then "listen tcp|udp|sctp PORT" lines
#   perl helper.pl SETNS_SYSCALL probe TIMEOUT  probes on stdin: "ID NSPATH tcp|udp|sctp ADDRESS PORT"
#   perl helper.pl SETNS_SYSCALL sysctl         lines on stdin: "NSPATH /proc/sys/... VALUE"
#   perl helper.pl SETNS_SYSCALL sockets CONFIG CMD...   "ns PATH" then "listen tcp|udp PORT FAMILY..." lines:
#                                               makes the listening sockets, then runs CMD with them open (JX_FDS)
# SCTP: kernel sockets where the kernel has SCTP; otherwise the handshake's first two chunks
# (INIT, INIT-ACK or ABORT) over raw IP sockets, which pass the same nftables rules and conntrack.
my ($SETNS, $mode, $arg) = @ARGV;
$| = 1;
my $HAVE_SCTP = socket(my $probe_s, PF_INET, SOCK_STREAM, 132) ? 1 : 0;
close $probe_s if $HAVE_SCTP;

sub enter { my ($path) = @_;
  open(my $fh, '<', $path) or die "cannot open $path: $!\n";
  syscall($SETNS, fileno($fh), 0x40000000) == 0 or die "setns $path: $!\n";
  close $fh;
}
sub nonblock { my ($s) = @_; fcntl($s, F_SETFL, fcntl($s, F_GETFL, 0) | O_NONBLOCK); }
sub family_of { return $_[0] =~ /:/ ? AF_INET6 : AF_INET }
sub sockaddr { my ($addr, $port) = @_;
  return family_of($addr) == AF_INET6 ? pack_sockaddr_in6($port, inet_pton(AF_INET6, $addr)) : pack_sockaddr_in($port, inet_aton($addr));
}

my @CRC;
for my $i (0..255) { my $c = $i; for (1..8) { $c = $c & 1 ? ($c >> 1) ^ 0x82F63B78 : $c >> 1 } $CRC[$i] = $c }
sub crc32c { my $c = 0xFFFFFFFF; $c = $CRC[($c ^ $_) & 0xFF] ^ ($c >> 8) for unpack('C*', $_[0]); return $c ^ 0xFFFFFFFF }
sub sctp_packet { my ($sport, $dport, $vtag, $chunk) = @_;
  my $p = pack('nnNV', $sport, $dport, $vtag, 0) . $chunk;
  substr($p, 8, 4) = pack('V', crc32c($p));
  return $p;
}
sub sctp_init { my ($tag) = @_; return pack('CCnNNnnN', 1, 0, 20, $tag, 65536, 1, 1, int(rand(2**31))) }
# (sport, dport, vtag, chunk type, init tag) of a received SCTP packet; IPv4 raw sockets include the IP header.
sub sctp_parse { my ($buf, $family) = @_;
  my $off = $family == AF_INET ? (unpack('C', $buf) & 15) * 4 : 0;
  return () if length($buf) < $off + 16;
  my ($sport, $dport, $vtag, undef, $type) = unpack('nnNVC', substr($buf, $off));
  my $tag = length($buf) >= $off + 20 ? unpack('N', substr($buf, $off + 16, 4)) : 0;
  return ($sport, $dport, $vtag, $type, $tag);
}
sub peer_address { my ($from, $family) = @_;
  return $family == AF_INET ? inet_ntoa((unpack_sockaddr_in($from))[1]) : inet_ntop(AF_INET6, (unpack_sockaddr_in6($from))[1]);
}

sub sysctl_mode {
  while (my $line = <STDIN>) {
    my ($ns, $path, @value) = split ' ', $line;
    next unless @value;
    my $value = join("\t", @value);
    enter($ns);
    open(my $fh, '>', $path) or die "cannot write $path: $!\n";
    print $fh "$value\n"; close $fh;
  }
}

# ---------------------------------------------------------------- serve
my (%kind, %sctp_ports);  # fileno -> [kind, socket, family, ns]; ns -> {port => 1}
sub listen_on { my ($ns, $proto, $port, $family) = @_;
  my $type = $proto eq 'udp' ? SOCK_DGRAM : SOCK_STREAM;
  my $ipproto = $proto eq 'udp' ? IPPROTO_UDP : $proto eq 'tcp' ? IPPROTO_TCP : 132;
  socket(my $s, $family, $type, $ipproto) or die "socket $proto: $!\n";
  setsockopt($s, SOL_SOCKET, SO_REUSEADDR, 1);
  setsockopt($s, IPPROTO_IPV6, IPV6_V6ONLY, 1) if $family == AF_INET6;
  my $any = $family == AF_INET6 ? '::' : '0.0.0.0';
  bind($s, sockaddr($any, $port)) or die "bind $proto/$port in $ns: $!\n";
  listen($s, 1024) or die "listen: $!\n" if $type == SOCK_STREAM;
  nonblock($s);
  $kind{fileno $s} = [$type == SOCK_STREAM ? 'accept' : 'echo', $s, $family, $ns];
}
sub raw_responder { my ($ns, $family) = @_;
  socket(my $s, $family, SOCK_RAW, 132) or die "raw socket: $!\n";
  nonblock($s);
  $kind{fileno $s} = ['sctp', $s, $family, $ns];
}
sub answer_init { my ($s, $family, $ns, $buf, $from) = @_;
  my ($sport, $dport, $vtag, $type, $tag) = sctp_parse($buf, $family);
  return unless defined $type && $type == 1 && $vtag == 0;
  my $chunk = $sctp_ports{$ns}{$dport}
    ? pack('CCnNNnnN', 2, 0, 28, int(rand(2**31)) + 1, 65536, 1, 1, int(rand(2**31))) . pack('nnN', 7, 8, 0)
    : pack('CCn', 6, 0, 4);
  send($s, sctp_packet($dport, $sport, $tag, $chunk), 0, $family == AF_INET ? pack_sockaddr_in(0, (unpack_sockaddr_in($from))[1]) : $from);
}
sub serve_mode { my ($config) = @_;
  open(my $fh, '<', $config) or die "cannot read $config: $!\n";
  my ($ns, %fams);
  while (my $line = <$fh>) {
    my @w = split ' ', $line;
    next unless @w;
    if ($w[0] eq 'ns') { ($ns, %fams) = ($w[1]); enter($ns); next; }
    if ($w[0] eq 'family') { $fams{$w[1]} = 1; raw_responder($ns, $w[1] == 6 ? AF_INET6 : AF_INET) unless $HAVE_SCTP; next; }
    my ($proto, $port) = @w[1, 2];
    $sctp_ports{$ns}{$port} = 1 if $proto eq 'sctp';
    next if $proto eq 'sctp' && !$HAVE_SCTP;
    listen_on($ns, $proto, $port, $_ == 6 ? AF_INET6 : AF_INET) for sort keys %fams;
  }
  print "ready ", scalar(keys %kind), " sockets", ($HAVE_SCTP ? "" : ", SCTP emulated over raw sockets"), "\n";
  while (1) {
    my $rin = '';
    vec($rin, $_, 1) = 1 for keys %kind;
    # The lab's run directory gone means the lab is down: stop even if nobody told us.
    exit 0 unless -e $config;
    next unless select(my $rout = $rin, undef, undef, 2) > 0;
    for my $fd (keys %kind) {
      next unless vec($rout, $fd, 1);
      my ($k, $s, $family, $ns) = @{$kind{$fd}};
      if ($k eq 'accept') { while (accept(my $c, $s)) { close $c } next; }
      while (defined(my $from = recv($s, my $buf, 65535, 0))) {
        last unless length $from;
        if ($k eq 'echo') { send($s, $buf, 0, $from); } else { answer_init($s, $family, $ns, $buf, $from); }
      }
    }
  }
}

# ---------------------------------------------------------------- probe
my (%pending, %raw, @out);  # fileno/key -> probe; "ns family" -> raw socket
sub finish { my ($p, $result, $detail) = @_;
  return if $p->{done}++;
  print "$p->{id} $result", (defined $detail ? " $detail" : ""), "\n";
}
# EPERM: the source's own firewall dropped the packet on its way out.
sub failed { my ($p, $what) = @_;
  return finish($p, $!{ECONNREFUSED} ? 'refused' : $!{EPERM} ? 'blocked' : 'error', "$what: $!");
}
sub start_probe { my ($p) = @_;
  my $family = family_of($p->{addr});
  if ($p->{proto} eq 'sctp' && !$HAVE_SCTP) {
    my $key = "$p->{ns} $family";
    unless ($raw{$key}) { socket(my $s, $family, SOCK_RAW, 132) or return finish($p, 'error', "raw socket: $!"); nonblock($s); $raw{$key} = [$s, $family, {}]; }
    my ($s, undef, $wait) = @{$raw{$key}};
    ($p->{sport}, $p->{tag}) = (20000 + int(rand(40000)), int(rand(2**31)) + 1);
    $wait->{"$p->{addr} $p->{port} $p->{sport}"} = $p;
    send($s, sctp_packet($p->{sport}, $p->{port}, 0, sctp_init($p->{tag})), 0, sockaddr($p->{addr}, 0)) or failed($p, "send");
    return;
  }
  my $udp = $p->{proto} eq 'udp';
  socket(my $s, $family, $udp ? SOCK_DGRAM : SOCK_STREAM, $udp ? IPPROTO_UDP : $p->{proto} eq 'tcp' ? IPPROTO_TCP : 132) or return finish($p, 'error', "socket: $!");
  nonblock($s);
  $p->{sock} = $s;
  if (!connect($s, sockaddr($p->{addr}, $p->{port})) && $! != EINPROGRESS) { return failed($p, "connect"); }
  if ($udp && !send($s, "junction-probe", 0)) { return failed($p, "send"); }
  $pending{fileno $s} = $p;
}
sub poll_probes { my ($until) = @_;
  my ($rin, $win) = ('', '');
  for my $fd (keys %pending) { vec($pending{$fd}{proto} eq 'udp' ? $rin : $win, $fd, 1) = 1; }
  vec($rin, fileno($_->[0]), 1) = 1 for values %raw;
  my $wait = $until - time; $wait = 0 if $wait < 0;
  return unless select(my $rout = $rin, my $wout = $win, undef, $wait) > 0;
  for my $fd (keys %pending) {
    my $p = $pending{$fd};
    if ($p->{proto} eq 'udp' && vec($rout, $fd, 1)) {
      if (defined recv($p->{sock}, my $buf, 100, 0)) { finish($p, 'connected') } else { failed($p, "recv") }
    } elsif ($p->{proto} ne 'udp' && vec($wout, $fd, 1)) {
      my $err = unpack('i', getsockopt($p->{sock}, SOL_SOCKET, SO_ERROR));
      $! = $err;
      if ($err == 0) { finish($p, 'connected') } else { failed($p, "connect") }
    } else { next; }
    close $p->{sock}; delete $pending{$fd};
  }
  for my $r (values %raw) {
    my ($s, $family, $wait) = @$r;
    next unless vec($rout, fileno $s, 1);
    while (defined(my $from = recv($s, my $buf, 65535, 0))) {
      last unless length $from;
      my ($sport, $dport, $vtag, $type) = sctp_parse($buf, $family);
      next unless defined $type;
      my $p = $wait->{peer_address($from, $family) . " $sport $dport"};
      next unless $p && $vtag == $p->{tag};
      delete $wait->{peer_address($from, $family) . " $sport $dport"};
      finish($p, $type == 2 ? 'connected' : $type == 6 ? 'refused' : 'error', $type == 2 || $type == 6 ? undef : "SCTP chunk $type");
    }
  }
}
sub probe_mode { my ($timeout) = @_;
  my @queue;
  while (my $line = <STDIN>) {
    my ($id, $ns, $proto, $addr, $port) = split ' ', $line;
    push @queue, { id => $id, ns => $ns, proto => $proto, addr => $addr, port => $port } if defined $port;
  }
  my @active;
  while (@queue || @active) {
    while (@queue && @active < 200) {
      my $p = shift @queue;
      enter($p->{ns});
      $p->{deadline} = time + $timeout;
      start_probe($p);
      push @active, $p unless $p->{done};
    }
    poll_probes(@active ? $active[0]{deadline} : time);
    for my $p (grep { !$_->{done} && $_->{deadline} <= time } @active) {
      finish($p, 'timeout');
      if ($p->{sock}) { delete $pending{fileno $p->{sock}}; close $p->{sock}; }
    }
    @active = grep { !$_->{done} } @active;
  }
}

# ---------------------------------------------------------------- sockets (for the echo backends)
sub sockets_mode { my ($config, @cmd) = @_;
  $^F = 1 << 20;  # no close-on-exec: the command inherits every socket made from here on
  open(my $home, '<', '/proc/self/ns/net') or die "cannot open /proc/self/ns/net: $!\n";
  open(my $fh, '<', $config) or die "cannot read $config: $!\n";
  my @keep;
  while (my $line = <$fh>) {
    my @w = split ' ', $line;
    next unless @w;
    if ($w[0] eq 'ns') { enter($w[1]); next; }
    my ($proto, $port, @fams) = @w[1 .. $#w];
    for my $f (@fams) {
      my $family = $f == 6 ? AF_INET6 : AF_INET;
      socket(my $s, $family, $proto eq 'udp' ? SOCK_DGRAM : SOCK_STREAM, $proto eq 'udp' ? IPPROTO_UDP : IPPROTO_TCP) or die "socket: $!\n";
      setsockopt($s, SOL_SOCKET, SO_REUSEADDR, 1);
      setsockopt($s, IPPROTO_IPV6, IPV6_V6ONLY, 1) if $family == AF_INET6;
      bind($s, sockaddr($family == AF_INET6 ? '::' : '0.0.0.0', $port)) or die "bind $proto/$port: $!\n";
      listen($s, 1024) or die "listen: $!\n" if $proto ne 'udp';
      push @keep, $s;
    }
  }
  syscall($SETNS, fileno($home), 0x40000000) == 0 or die "setns back: $!\n";
  $ENV{JX_FDS} = join(',', map { fileno $_ } @keep);
  exec { $cmd[0] } @cmd or die "exec $cmd[0]: $!\n";
}

if ($mode eq 'serve') { serve_mode($arg) }
elsif ($mode eq 'sockets') { sockets_mode($arg, @ARGV[3 .. $#ARGV]) }
elsif ($mode eq 'probe') { probe_mode($arg // 2) }
elsif ($mode eq 'sysctl') { sysctl_mode() }
else { die "usage: helper.pl SETNS serve CONFIG | probe TIMEOUT | sysctl | sockets CONFIG CMD...\n" }
`;
