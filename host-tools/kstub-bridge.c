/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * kstub-bridge: one serial line, the kernel console and gdb side by side.
 *
 * The line carries console text and RSP (kernel booted with kstub=ttyS0).
 * bridge_split.c tells the two apart; this file moves the bytes: the line
 * (bridge_port.c), a TCP listener and optionally a pty for one debugger
 * at a time, the console on the terminal or a TCP port, a console log,
 * an RSP trace and statistics.  Usage: docs/kstub-bridge.md, --help.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bridge_os.h"
#include "bridge_port.h"
#include "bridge_split.h"

#define PROG "kstub-bridge"
#define VERSION "1.0"

/* Exit statuses (docs/kstub-bridge.md, "EXIT STATUS"). */
enum {
	EXIT_QUIT = 0,		/* quit by the user (escape, SIGINT/SIGTERM/SIGHUP), --help, --list */
	EXIT_LINE = 1,		/* the serial line failed or hung up while running */
	EXIT_USAGE = 2,		/* bad option or value */
	EXIT_PORT = 3,		/* the port cannot be opened or configured */
	EXIT_SETUP = 4,		/* a listener, the pty, a log or trace file cannot be set up */
};

#define MAX_PACKET (256 * 1024)	/* longest RSP body taken as a packet */
#define BACKLOG_CAP (1 << 20)	/* console kept for a --console-port client */
#define PTY_RECHECK_S 0.2	/* how often an idle --gdb-pty is looked at */

/* --- growable byte queues ----------------------------------------------- */

struct obuf {
	uint8_t *p;
	size_t off, len, cap;
};

static void ob_put(struct obuf *b, const void *d, size_t n)
{
	if (!n)
		return;
	if (b->off && b->off == b->len)
		b->off = b->len = 0;
	if (b->len + n > b->cap) {
		if (b->off) {	/* slide down first */
			memmove(b->p, b->p + b->off, b->len - b->off);
			b->len -= b->off;
			b->off = 0;
		}
		if (b->len + n > b->cap) {
			size_t cap = b->cap ? b->cap : 4096;
			while (cap < b->len + n)
				cap *= 2;
			uint8_t *np = realloc(b->p, cap);
			if (!np) {
				fprintf(stderr, PROG ": out of memory\n");
				exit(EXIT_LINE);
			}
			b->p = np;
			b->cap = cap;
		}
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static size_t ob_avail(const struct obuf *b)
{
	return b->len - b->off;
}

static void ob_drop(struct obuf *b, size_t n)
{
	b->off += n;
	if (b->off == b->len)
		b->off = b->len = 0;
}

static void ob_clear(struct obuf *b)
{
	b->off = b->len = 0;
}

/* --- options ------------------------------------------------------------ */

struct opts {
	const char *port;
	struct bport_settings line;
	const char *bind;
	int gdb_port;
	int console_port;	/* -1: console on the terminal */
	bool gdb_pty;
	const char *gdb_pty_link;
	const char *log;
	const char *trace;
	bool stats;
	int brk;		/* 0 none, 1 Ctrl-C byte, 2 line break */
	int escape;		/* -1: none */
	bool list;
	bool quiet;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " [OPTIONS] PORT\n"
"       " PROG " --list\n"
"\n"
"Share one serial line between a kernel's console and a debugger: the\n"
"kernel runs kstub with its console on the same line (kstub=ttyS0).  RSP\n"
"packets go to one debugger at a time on a TCP port (gdb: target remote\n"
"HOST:PORT, lldb: gdb-remote HOST:PORT); the rest is console text, shown\n"
"on this terminal.  The stub's 'O' packets (console output while gdb is\n"
"attached) are decoded for the console too.\n"
"\n"
"Line:\n"
"  -b, --baud N            baud rate (default 115200)\n"
"      --data-bits N       5, 6, 7 or 8 (default 8)\n"
"      --parity P          none, odd, even, mark or space (default none)\n"
"      --stop-bits N       1 or 2 (default 1)\n"
"      --flow F            none, xon-xoff or rts-cts (default none)\n"
"Debugger:\n"
"  -p, --gdb-port N        TCP port for the debugger (default 2331; 0: any\n"
"                          free port, printed at start)\n"
"      --bind ADDR         address to listen on (default 127.0.0.1)\n"
"      --gdb-pty[=LINK]    also offer a pseudo-terminal for the debugger\n"
"                          (path printed; LINK: make a symlink to it)\n"
"      --break[=KIND]      on start, break into the kernel: KIND ctrl-c\n"
"                          (default: send 0x03, what gdb sends) or serial\n"
"                          (hold the line in a break condition)\n"
"Console:\n"
"  -c, --console-port N    serve the console on TCP port N instead of this\n"
"                          terminal (0: any free port, printed)\n"
"  -e, --escape C          key that quits (default ^], i.e. Ctrl-]); ^X\n"
"                          for Ctrl-X, a character, or 'none'.  On a\n"
"                          --console-port client it ends that connection\n"
"      --log FILE          also write the console there, each line stamped\n"
"                          with the local time\n"
"Diagnostics:\n"
"      --trace-rsp FILE    write every RSP packet and ack with a time stamp\n"
"      --stats             print traffic counts at exit (and on SIGUSR1)\n"
"  -q, --quiet             no informational messages, errors only\n"
"      --list              list serial ports: name, transport, USB VID:PID,\n"
"                          serial number, description\n"
"  -h, --help              this text\n"
"  -V, --version           the version\n"
"\n"
"Exit status: 0 quit (escape key, SIGINT, SIGTERM, SIGHUP), --help, --list;\n"
"1 the line failed or hung up; 2 bad usage; 3 the port cannot be opened or\n"
"configured (missing, busy, refused setting); 4 a listener, pty, log or\n"
"trace file cannot be set up.  Details: docs/kstub-bridge.md.\n");
}

static void die_usage(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try --help)\n");
	exit(EXIT_USAGE);
}

static long num_arg(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi)
		die_usage("%s: '%s' is not a number from %ld to %ld", opt, s, lo, hi);
	return v;
}

static int escape_arg(const char *s)
{
	if (!strcmp(s, "none"))
		return -1;
	if (s[0] == '^' && s[1] && !s[2]) {
		if (s[1] == '?')
			return 0x7f;
		return s[1] & 0x1f;
	}
	if (s[0] && !s[1])
		return (unsigned char)s[0];
	die_usage("--escape: '%s' is not ^X, one character or 'none'", s);
	return -1;
}

static const char *escape_name(int c, char *buf, size_t n)
{
	if (c < 0)
		snprintf(buf, n, "none");
	else if (c < 0x20)
		snprintf(buf, n, "Ctrl-%c", c | 0x40);
	else if (c == 0x7f)
		snprintf(buf, n, "Ctrl-?");
	else
		snprintf(buf, n, "'%c'", c);
	return buf;
}

static void parse(int argc, char **argv, struct opts *o)
{
	enum { O_DATA = 256, O_PARITY, O_STOP, O_FLOW, O_BIND, O_PTY, O_LOG,
	       O_TRACE, O_STATS, O_BREAK, O_LIST };
	static const struct option lo[] = {
		{ "baud", required_argument, 0, 'b' },
		{ "data-bits", required_argument, 0, O_DATA },
		{ "parity", required_argument, 0, O_PARITY },
		{ "stop-bits", required_argument, 0, O_STOP },
		{ "flow", required_argument, 0, O_FLOW },
		{ "gdb-port", required_argument, 0, 'p' },
		{ "bind", required_argument, 0, O_BIND },
		{ "gdb-pty", optional_argument, 0, O_PTY },
		{ "break", optional_argument, 0, O_BREAK },
		{ "console-port", required_argument, 0, 'c' },
		{ "escape", required_argument, 0, 'e' },
		{ "log", required_argument, 0, O_LOG },
		{ "trace-rsp", required_argument, 0, O_TRACE },
		{ "stats", no_argument, 0, O_STATS },
		{ "quiet", no_argument, 0, 'q' },
		{ "list", no_argument, 0, O_LIST },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0, 0, 0, 0 },
	};
	*o = (struct opts){
		.line = { .baud = 115200, .data_bits = 8, .parity = 'N',
			  .stop_bits = 1, .flow = BPORT_FLOW_NONE },
		.bind = "127.0.0.1", .gdb_port = 2331, .console_port = -1,
		.escape = 0x1d,
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":b:p:c:e:qhV", lo, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->line.baud = (int)num_arg("--baud", optarg, 1, 100000000);
			break;
		case O_DATA:
			o->line.data_bits = (int)num_arg("--data-bits", optarg, 5, 8);
			break;
		case O_PARITY:
			if (!strcmp(optarg, "none"))
				o->line.parity = 'N';
			else if (!strcmp(optarg, "odd"))
				o->line.parity = 'O';
			else if (!strcmp(optarg, "even"))
				o->line.parity = 'E';
			else if (!strcmp(optarg, "mark"))
				o->line.parity = 'M';
			else if (!strcmp(optarg, "space"))
				o->line.parity = 'S';
			else
				die_usage("--parity: '%s' is not none, odd, even, mark or space",
					  optarg);
			break;
		case O_STOP:
			o->line.stop_bits = (int)num_arg("--stop-bits", optarg, 1, 2);
			break;
		case O_FLOW:
			if (!strcmp(optarg, "none"))
				o->line.flow = BPORT_FLOW_NONE;
			else if (!strcmp(optarg, "xon-xoff") || !strcmp(optarg, "xonxoff"))
				o->line.flow = BPORT_FLOW_XONXOFF;
			else if (!strcmp(optarg, "rts-cts") || !strcmp(optarg, "rtscts"))
				o->line.flow = BPORT_FLOW_RTSCTS;
			else
				die_usage("--flow: '%s' is not none, xon-xoff or rts-cts", optarg);
			break;
		case 'p':
			o->gdb_port = (int)num_arg("--gdb-port", optarg, 0, 65535);
			break;
		case O_BIND:
			o->bind = optarg;
			break;
		case O_PTY:
			o->gdb_pty = true;
			o->gdb_pty_link = optarg;
			break;
		case O_BREAK:
			if (!optarg || !strcmp(optarg, "ctrl-c"))
				o->brk = 1;
			else if (!strcmp(optarg, "serial"))
				o->brk = 2;
			else
				die_usage("--break: '%s' is not ctrl-c or serial", optarg);
			break;
		case 'c':
			o->console_port = (int)num_arg("--console-port", optarg, 0, 65535);
			break;
		case 'e':
			o->escape = escape_arg(optarg);
			break;
		case O_LOG:
			o->log = optarg;
			break;
		case O_TRACE:
			o->trace = optarg;
			break;
		case O_STATS:
			o->stats = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case O_LIST:
			o->list = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_QUIT);
		case 'V':
			printf(PROG " " VERSION " (libserialport %s)\n",
			       bport_lib_version());
			exit(EXIT_QUIT);
		case ':':
			die_usage("%s needs a value", argv[optind - 1]);
			break;
		default:
			die_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (o->list) {
		if (optind != argc)
			die_usage("--list takes no port");
		return;
	}
	if (optind == argc)
		die_usage("no serial port given (e.g. /dev/ttyUSB0; --list shows them)");
	if (optind + 1 != argc)
		die_usage("one serial port only, got '%s' too", argv[optind + 1]);
	o->port = argv[optind];
}

/* --- state --------------------------------------------------------------- */

struct peer {
	int fd;			/* -1: none */
	struct obuf out;
	char name[96];
};

struct dir_stats {
	unsigned long long bytes, packets, acks, naks, breaks, resends, badsums;
};

enum owner { OWN_NONE, OWN_TCP, OWN_PTY };

static struct {
	struct opts o;
	struct bport *port;
	struct bsplit bs;
	struct obuf to_line;	/* for the serial line */
	struct obuf keys;	/* console keystrokes waiting for gdb to finish a packet */

	int gdb_listen;
	char gdb_where[128];	/* what to give `target remote` */
	struct peer gdb;	/* the TCP debugger */
	int pty;		/* --gdb-pty master, or -1 */
	char pty_name[64];
	bool pty_peer;		/* its slave side is open */
	double pty_checked;
	struct obuf pty_out;
	enum owner owner;

	bool con_term;		/* console on stdout (and keys from stdin) */
	bool stdin_open;
	struct obuf con_out;	/* for stdout */
	int con_listen;
	struct peer con;	/* the --console-port client */
	struct obuf backlog;	/* console kept while no client is connected */

	FILE *log;
	bool log_bol;		/* at the beginning of a log line */
	FILE *trace;
	double t0;
	double last_rx;		/* when the line last delivered bytes */

	struct dir_stats from_gdb, to_gdb;
	unsigned long long target_rsp_bytes, dropped_rsp, o_packets, o_kept;
	unsigned long long con_bytes, con_lines, con_o_bytes, con_lost, keys_sent;
	unsigned long sessions, refused;

	volatile sig_atomic_t quit, want_stats;
	bool escaped;
	int status;		/* exit status once the loop ends */
} B = { .gdb_listen = -1, .gdb = { .fd = -1 }, .pty = -1, .con_listen = -1,
	.con = { .fd = -1 }, .log_bol = true };

/* Informational messages on stderr (not with -q).  On a raw terminal a
 * line needs "\r\n". */
static void note(const char *fmt, ...)
{
	if (B.o.quiet)
		return;
	va_list ap;
	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(os_term_is_raw() ? "\r\n" : "\n", stderr);
}

static void error_line(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(os_term_is_raw() ? "\r\n" : "\n", stderr);
}

/* --- trace, log, statistics --------------------------------------------- */

static void trace_bytes(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\')
			fputs("\\\\", B.trace);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			fprintf(B.trace, "\\x%02x", p[i]);
		else
			fputc(p[i], B.trace);
	}
}

static void trace_event(const struct bs_event *ev, bool dropped)
{
	if (!B.trace || (ev->dir == BS_FROM_TARGET && ev->type == BS_TEXT))
		return;
	bool g = ev->dir == BS_FROM_GDB;
	fprintf(B.trace, "%12.6f %s ", os_now() - B.t0, g ? "gdb>" : "<tgt");
	switch (ev->type) {
	case BS_BREAK:
		fputs("^C break-in", B.trace);
		break;
	case BS_TEXT:
		fputs("(not RSP) ", B.trace);
		trace_bytes(ev->raw, ev->raw_len);
		break;
	default:
		trace_bytes(ev->raw, ev->raw_len);
		break;
	}
	if (ev->flags & BS_F_BADSUM)
		fputs("  [bad checksum]", B.trace);
	if (ev->flags & BS_F_RESEND)
		fputs("  [resend]", B.trace);
	if (ev->flags & BS_F_TRUNC)
		fputs("  [longer than the trace keeps: cut]", B.trace);
	if (ev->flags & BS_F_MONITOR)
		fputs("  [monitor output]", B.trace);
	if (ev->flags & BS_F_CONSOLE) {
		fputs("  [console: \"", B.trace);
		trace_bytes((const uint8_t *)ev->console, ev->console_len);
		fputs(ev->to_gdb ? "\"]" : "\"; console side only: gdb is not waiting for a stop]",
		      B.trace);
	} else if (dropped) {
		fputs("  [no debugger attached: dropped]", B.trace);
	}
	fputc('\n', B.trace);
}

static void log_console(const char *s, size_t n)
{
	if (!B.log)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r')
			continue;
		if (B.log_bol) {
			char ts[40];
			os_wallclock(ts, sizeof(ts));
			fprintf(B.log, "%s ", ts);
			B.log_bol = false;
		}
		fputc(s[i], B.log);
		if (s[i] == '\n')
			B.log_bol = true;
	}
}

static void print_stats(void)
{
	const char *nl = os_term_is_raw() ? "\r\n" : "\n";
	fprintf(stderr, PROG ": stats: gdb -> target: %llu bytes, %llu packets, "
		"%llu acks, %llu naks, %llu break-ins, %llu resends, %llu bad checksums%s",
		B.from_gdb.bytes, B.from_gdb.packets, B.from_gdb.acks, B.from_gdb.naks,
		B.from_gdb.breaks, B.from_gdb.resends, B.from_gdb.badsums, nl);
	fprintf(stderr, PROG ": stats: target -> gdb: %llu bytes, %llu packets, "
		"%llu acks, %llu naks, %llu resends, %llu bad checksums "
		"(RSP seen %llu bytes, %llu dropped with no debugger)%s",
		B.to_gdb.bytes, B.to_gdb.packets, B.to_gdb.acks, B.to_gdb.naks,
		B.to_gdb.resends, B.to_gdb.badsums, B.target_rsp_bytes, B.dropped_rsp, nl);
	fprintf(stderr, PROG ": stats: console: %llu bytes, %llu lines (%llu bytes "
		"from %llu O packets, %llu of them not for gdb), %llu bytes lost "
		"(backlog full), %llu key bytes sent%s",
		B.con_bytes, B.con_lines, B.con_o_bytes, B.o_packets, B.o_kept,
		B.con_lost, B.keys_sent, nl);
	fprintf(stderr, PROG ": stats: debuggers: %lu attached, %lu refused%s",
		B.sessions, B.refused, nl);
}

/* --- routing -------------------------------------------------------------- */

static void console_out(const char *s, size_t n)
{
	B.con_bytes += n;
	for (size_t i = 0; i < n; i++)
		B.con_lines += s[i] == '\n';
	log_console(s, n);
	if (B.con_term) {
		ob_put(&B.con_out, s, n);
	} else if (B.con.fd >= 0) {
		ob_put(&B.con.out, s, n);
	} else {
		ob_put(&B.backlog, s, n);
		size_t have = ob_avail(&B.backlog);
		if (have > BACKLOG_CAP) {
			B.con_lost += have - BACKLOG_CAP;
			ob_drop(&B.backlog, have - BACKLOG_CAP);
		}
	}
}

static void to_debugger(const uint8_t *p, size_t n)
{
	if (B.owner == OWN_TCP)
		ob_put(&B.gdb.out, p, n);
	else if (B.owner == OWN_PTY)
		ob_put(&B.pty_out, p, n);
}

static void count(struct dir_stats *d, const struct bs_event *ev)
{
	switch (ev->type) {
	case BS_PACKET:
	case BS_NOTIFY:
		d->packets++;
		break;
	case BS_ACK:
		d->acks++;
		break;
	case BS_NAK:
		d->naks++;
		break;
	case BS_BREAK:
		d->breaks++;
		break;
	case BS_TEXT:
		break;
	}
	d->resends += !!(ev->flags & BS_F_RESEND);
	d->badsums += !!(ev->flags & BS_F_BADSUM);
}

static void on_event(void *ctx, const struct bs_event *ev)
{
	(void)ctx;
	if (ev->dir == BS_FROM_GDB) {
		count(&B.from_gdb, ev);
		trace_event(ev, false);
		return;
	}
	if (ev->type != BS_TEXT)
		B.target_rsp_bytes += ev->raw_len;
	if (ev->flags & BS_F_CONSOLE) {
		B.o_packets++;
		B.con_o_bytes += ev->console_len;
		B.o_kept += !ev->to_gdb;
	}
	if (ev->to_gdb) {
		to_debugger(ev->raw, ev->raw_len);
		B.to_gdb.bytes += ev->raw_len;
		count(&B.to_gdb, ev);
	} else if (ev->type != BS_TEXT && !(ev->flags & BS_F_CONSOLE)) {
		B.dropped_rsp += ev->raw_len;
	}
	if (ev->console)
		console_out(ev->console, ev->console_len);
	trace_event(ev, !ev->to_gdb && ev->type != BS_TEXT);
}

/* Console keystrokes go to the line, but never into the middle of a
 * packet the debugger is sending. */
static void flush_keys(void)
{
	if (ob_avail(&B.keys) && !bsplit_gdb_mid_packet(&B.bs)) {
		B.keys_sent += ob_avail(&B.keys);
		ob_put(&B.to_line, B.keys.p + B.keys.off, ob_avail(&B.keys));
		ob_clear(&B.keys);
	}
}

static void close_console_client(const char *why);

/* Bytes typed on the console side.  Returns false when the escape key
 * ended things. */
static bool console_keys(const uint8_t *p, size_t n, bool from_term)
{
	for (size_t i = 0; i < n; i++) {
		if (B.o.escape >= 0 && p[i] == B.o.escape) {
			ob_put(&B.keys, p, i);
			flush_keys();
			if (from_term) {
				B.escaped = true;
			} else {
				close_console_client("escape key");
			}
			return false;
		}
	}
	ob_put(&B.keys, p, n);
	flush_keys();
	return true;
}

static void from_debugger(const uint8_t *p, size_t n)
{
	B.from_gdb.bytes += n;
	ob_put(&B.to_line, p, n);	/* unchanged, at once: Ctrl-C too */
	bsplit_gdb(&B.bs, p, n, on_event, NULL);
	flush_keys();
}

/* --- sockets ---------------------------------------------------------------- */

static int listen_on(const char *addr, int port, char *where, size_t wlen,
		     char *err, size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	char ps[16];
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(ps, sizeof(ps), "%d", port);
	int rc = getaddrinfo(addr, ps, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "cannot listen on %s:%d: %s", addr, port,
			 gai_strerror(rc));
		return -1;
	}
	int fd = -1, e = 0;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 4) == 0)
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, errlen, "cannot listen on %s:%d: %s", addr, port, strerror(e));
		return -1;
	}
	os_nonblock(fd);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), serv,
			sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		snprintf(where, wlen, strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, serv);
	else
		snprintf(where, wlen, "%s:%d", addr, port);
	return fd;
}

static int accept_one(int lfd, char *name, size_t nlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = accept(lfd, (struct sockaddr *)&ss, &sl);
	if (fd < 0)
		return -1;
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	if (getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), serv,
			sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		snprintf(name, nlen, strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, serv);
	else
		snprintf(name, nlen, "a client");
	os_nonblock(fd);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static const char *owner_name(void)
{
	return B.owner == OWN_TCP ? B.gdb.name : B.owner == OWN_PTY ? B.pty_name : "nobody";
}

/*
 * A debugger that connects while another is attached gets, from the
 * bridge itself, "E.<reason>" as the reply to each packet it sends for
 * REFUSE_S seconds (gdb prints it: "Remote failure reply: E.kstub-bridge:
 * refused ..."), then the connection closes.  Nothing of it reaches the
 * line; the attached debugger is not disturbed.
 */
#define REFUSE_S 1.5
#define REFUSE_MAX 8

static struct refused {
	int fd;			/* -1: free slot */
	double until;
	int state;		/* 0 outside a packet, 1 in it, 2/3 checksum */
	char why[200];
} refused[REFUSE_MAX];

static void refused_close(struct refused *r)
{
	/* Unread input would turn the close into a reset that can overtake
	 * the replies already sent. */
	uint8_t buf[1024];
	while (read(r->fd, buf, sizeof(buf)) > 0)
		continue;
	shutdown(r->fd, SHUT_WR);
	close(r->fd);
	r->fd = -1;
}

static void refused_read(struct refused *r)
{
	uint8_t buf[4096];
	ssize_t k = read(r->fd, buf, sizeof(buf));
	if (k <= 0) {
		if (k == 0 || (errno != EAGAIN && errno != EINTR))
			refused_close(r);
		return;
	}
	for (ssize_t i = 0; i < k; i++) {
		uint8_t b = buf[i];
		if (r->state == 0 && b == '$')
			r->state = 1;
		else if (r->state == 1 && b == '#')
			r->state = 2;
		else if (r->state == 2)
			r->state = 3;
		else if (r->state == 3) {
			r->state = 0;
			char body[256], pkt[300];
			int n = snprintf(body, sizeof(body), "E.%s", r->why);
			unsigned sum = 0;
			for (int j = 0; j < n; j++)
				sum += (unsigned char)body[j];
			int m = snprintf(pkt, sizeof(pkt), "+$%s#%02x", body, sum & 0xff);
			if (write(r->fd, pkt, (size_t)m) < 0) {
				refused_close(r);
				return;
			}
		}
	}
}

static void refuse(int fd, const char *who)
{
	B.refused++;
	note("refused a second debugger from %s: %s is attached", who, owner_name());
	for (int i = 0; i < REFUSE_MAX; i++) {
		if (refused[i].fd < 0) {
			refused[i] = (struct refused){ .fd = fd, .until = os_now() + REFUSE_S };
			snprintf(refused[i].why, sizeof(refused[i].why), PROG ": refused: "
				 "another debugger (%s) is attached", owner_name());
			return;
		}
	}
	close(fd);	/* too many at once: just hang up */
}

static void attach(enum owner o, const char *who)
{
	B.owner = o;
	B.sessions++;
	bsplit_set_debugger(&B.bs, true);
	note("debugger attached from %s", who);
}

static void detach(const char *why)
{
	note("debugger %s %s; the line stays open for the next one", owner_name(), why);
	if (B.owner == OWN_TCP) {
		close(B.gdb.fd);
		B.gdb.fd = -1;
		ob_clear(&B.gdb.out);
	} else {
		ob_clear(&B.pty_out);
	}
	B.owner = OWN_NONE;
	bsplit_set_debugger(&B.bs, false);
	flush_keys();
}

static void accept_debugger(void)
{
	char who[96];
	int fd = accept_one(B.gdb_listen, who, sizeof(who));
	if (fd < 0)
		return;
	if (B.owner != OWN_NONE) {
		refuse(fd, who);
		return;
	}
	B.gdb.fd = fd;
	snprintf(B.gdb.name, sizeof(B.gdb.name), "%s", who);
	attach(OWN_TCP, who);
}

static void accept_console(void)
{
	char who[96];
	int fd = accept_one(B.con_listen, who, sizeof(who));
	if (fd < 0)
		return;
	if (B.con.fd >= 0) {
		char msg[200];
		int k = snprintf(msg, sizeof(msg), PROG ": refused: the console is "
				 "already served to %s\n", B.con.name);
		if (write(fd, msg, (size_t)k) < 0) {
			/* closed below anyway */
		}
		close(fd);
		note("refused a second console client from %s", who);
		return;
	}
	B.con.fd = fd;
	snprintf(B.con.name, sizeof(B.con.name), "%s", who);
	ob_put(&B.con.out, B.backlog.p + B.backlog.off, ob_avail(&B.backlog));
	ob_clear(&B.backlog);
	note("console client connected from %s", who);
}

static void close_console_client(const char *why)
{
	note("console client %s: %s", B.con.name, why);
	close(B.con.fd);
	B.con.fd = -1;
	/* What it did not read goes back to the backlog, in order. */
	struct obuf keep = { 0 };
	ob_put(&keep, B.con.out.p + B.con.out.off, ob_avail(&B.con.out));
	ob_put(&keep, B.backlog.p + B.backlog.off, ob_avail(&B.backlog));
	free(B.backlog.p);
	B.backlog = keep;
	ob_clear(&B.con.out);
}

/* Write what a queue holds to fd, without blocking (max: bytes per call,
 * 0 for all).  Returns -1 when the peer is gone. */
static int drain(int fd, struct obuf *b, size_t max)
{
	while (ob_avail(b)) {
		size_t n = ob_avail(b);
		if (max && n > max)
			n = max;
		ssize_t k = write(fd, b->p + b->off, n);
		if (k < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			return -1;
		}
		ob_drop(b, (size_t)k);
		if (max)
			return 0;	/* one write per readiness report */
	}
	return 0;
}

/* --- the line ------------------------------------------------------------ */

static void line_failed(const char *why)
{
	error_line("%s: %s", B.o.port, why);
	B.status = EXIT_LINE;
	B.quit = -1;
}

static void drain_line(void)
{
	char err[256];
	while (ob_avail(&B.to_line)) {
		long k = bport_write(B.port, B.to_line.p + B.to_line.off,
				     ob_avail(&B.to_line), err, sizeof(err));
		if (k < 0) {
			line_failed(err);
			return;
		}
		if (k == 0)
			return;
		ob_drop(&B.to_line, (size_t)k);
	}
}

static void read_line(short revents)
{
	static uint8_t buf[65536];
	char err[256];
	long k = bport_read(B.port, buf, sizeof(buf), err, sizeof(err));
	if (k < 0) {
		line_failed(err);
		return;
	}
	if (k == 0) {
		if (revents & (POLLHUP | POLLERR))
			line_failed("the line hung up (the other end closed it)");
		return;
	}
	B.last_rx = os_now();
	bsplit_target(&B.bs, buf, (size_t)k, on_event, NULL);
}

/* --- the loop ------------------------------------------------------------- */

static void read_peer_debugger(void)
{
	uint8_t buf[65536];
	ssize_t k = read(B.gdb.fd, buf, sizeof(buf));
	if (k > 0) {
		from_debugger(buf, (size_t)k);
	} else if (k == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		detach(k == 0 ? "disconnected" : "connection failed");
	}
}

static void read_pty(void)
{
	uint8_t buf[65536];
	ssize_t k = read(B.pty, buf, sizeof(buf));
	if (k > 0) {
		if (B.owner == OWN_NONE)
			attach(OWN_PTY, B.pty_name);
		if (B.owner == OWN_PTY) {
			from_debugger(buf, (size_t)k);
		} else {
			B.refused++;
			note("dropped %zd bytes from the pty %s: %s is attached", k,
			     B.pty_name, owner_name());
		}
		return;
	}
	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	/* EIO (or EOF): nobody has the slave open any more. */
	B.pty_peer = false;
	B.pty_checked = os_now();
	if (B.owner == OWN_PTY)
		detach("closed the pty");
}

static void read_console_client(void)
{
	uint8_t buf[4096];
	ssize_t k = read(B.con.fd, buf, sizeof(buf));
	if (k > 0)
		console_keys(buf, (size_t)k, false);
	else if (k == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		close_console_client("disconnected");
}

static void read_stdin(void)
{
	uint8_t buf[4096];
	ssize_t k = read(0, buf, sizeof(buf));
	if (k > 0)
		console_keys(buf, (size_t)k, true);
	else if (k == 0 || (errno != EAGAIN && errno != EINTR))
		B.stdin_open = false;	/* no more keys; the bridge goes on */
}

static int loop(void)
{
	enum { P_LINE, P_GDBL, P_GDB, P_PTY, P_CONL, P_CON, P_IN, P_OUT, P_REF,
	       P_N = P_REF + REFUSE_MAX };
	for (int i = 0; i < REFUSE_MAX; i++)
		refused[i].fd = -1;
	while (!B.quit && !B.escaped) {
		struct pollfd pf[P_N];
		for (int i = 0; i < P_N; i++)
			pf[i] = (struct pollfd){ .fd = -1 };
		for (int i = 0; i < REFUSE_MAX; i++) {
			pf[P_REF + i].fd = refused[i].fd;
			pf[P_REF + i].events = POLLIN;
		}
		pf[P_LINE] = (struct pollfd){ .fd = bport_fd(B.port),
			.events = POLLIN | (ob_avail(&B.to_line) ? POLLOUT : 0) };
		pf[P_GDBL].fd = B.gdb_listen;
		pf[P_GDBL].events = POLLIN;
		if (B.gdb.fd >= 0) {
			pf[P_GDB].fd = B.gdb.fd;
			pf[P_GDB].events = POLLIN | (ob_avail(&B.gdb.out) ? POLLOUT : 0);
		}
		double now = os_now();
		if (B.pty >= 0 && !B.pty_peer && now - B.pty_checked >= PTY_RECHECK_S) {
			B.pty_peer = os_pty_peer_present(B.pty);
			B.pty_checked = now;
		}
		if (B.pty >= 0 && B.pty_peer) {
			pf[P_PTY].fd = B.pty;
			pf[P_PTY].events = POLLIN | (ob_avail(&B.pty_out) ? POLLOUT : 0);
		}
		pf[P_CONL].fd = B.con_listen;
		pf[P_CONL].events = POLLIN;
		if (B.con.fd >= 0) {
			pf[P_CON].fd = B.con.fd;
			pf[P_CON].events = POLLIN | (ob_avail(&B.con.out) ? POLLOUT : 0);
		}
		if (B.con_term && B.stdin_open) {
			pf[P_IN].fd = 0;
			pf[P_IN].events = POLLIN;
		}
		if (B.con_term && ob_avail(&B.con_out)) {
			pf[P_OUT].fd = 1;
			pf[P_OUT].events = POLLOUT;
		}

		/* Wake up for a held ack or candidate, an idle pty, a signal
		 * that raced with poll(). */
		int timeout = 250;
		int pend = bsplit_pending_ms(&B.bs);
		if (pend >= 0) {
			double left = pend - (now - B.last_rx) * 1000.0;
			if (left < timeout)
				timeout = left < 0 ? 0 : (int)left + 1;
		}
		if (B.pty >= 0 && !B.pty_peer && timeout > PTY_RECHECK_S * 1000)
			timeout = (int)(PTY_RECHECK_S * 1000);

		int n = poll(pf, P_N, timeout);
		if (n < 0 && errno != EINTR) {
			error_line("poll: %s", strerror(errno));
			B.status = EXIT_LINE;
			break;
		}
		if (B.want_stats) {
			B.want_stats = 0;
			print_stats();
		}
		if (n > 0) {
			if (pf[P_LINE].revents & (POLLIN | POLLHUP | POLLERR))
				read_line(pf[P_LINE].revents);
			if (B.quit)
				break;
			if (pf[P_GDB].revents & POLLOUT && drain(B.gdb.fd, &B.gdb.out, 0) < 0)
				detach("connection failed");
			if (B.gdb.fd >= 0 && pf[P_GDB].revents & (POLLIN | POLLHUP | POLLERR))
				read_peer_debugger();
			if (pf[P_GDBL].revents & POLLIN)
				accept_debugger();
			if (pf[P_PTY].revents & POLLOUT)
				drain(B.pty, &B.pty_out, 0);
			if (pf[P_PTY].revents & (POLLIN | POLLHUP | POLLERR))
				read_pty();
			if (pf[P_CON].revents & POLLOUT && drain(B.con.fd, &B.con.out, 0) < 0)
				close_console_client("connection failed");
			if (B.con.fd >= 0 && pf[P_CON].revents & (POLLIN | POLLHUP | POLLERR))
				read_console_client();
			if (pf[P_CONL].revents & POLLIN)
				accept_console();
			if (pf[P_IN].revents & (POLLIN | POLLHUP | POLLERR))
				read_stdin();
			for (int i = 0; i < REFUSE_MAX; i++)
				if (refused[i].fd >= 0 &&
				    pf[P_REF + i].revents & (POLLIN | POLLHUP | POLLERR))
					refused_read(&refused[i]);
			/* stdout blocks: one write of at most a pipe buffer. */
			if (pf[P_OUT].revents & POLLOUT)
				drain(1, &B.con_out, 4096);
			else if (pf[P_OUT].revents & (POLLERR | POLLHUP))
				ob_clear(&B.con_out);	/* nobody reads the console */
		}
		for (int i = 0; i < REFUSE_MAX; i++)
			if (refused[i].fd >= 0 && os_now() >= refused[i].until)
				refused_close(&refused[i]);
		/* Silence resolves what the splitter holds. */
		pend = bsplit_pending_ms(&B.bs);
		if (pend >= 0 && (os_now() - B.last_rx) * 1000.0 >= pend)
			bsplit_flush(&B.bs, on_event, NULL);

		/* Move what is queued right away where that cannot block. */
		drain_line();
		if (B.gdb.fd >= 0 && drain(B.gdb.fd, &B.gdb.out, 0) < 0)
			detach("connection failed");
		if (B.pty >= 0 && B.owner == OWN_PTY)
			drain(B.pty, &B.pty_out, 0);
		if (B.con.fd >= 0 && drain(B.con.fd, &B.con.out, 0) < 0)
			close_console_client("connection failed");
		if (B.log)
			fflush(B.log);
		if (B.trace)
			fflush(B.trace);
	}
	if (B.status)
		return B.status;
	if (B.escaped)
		note("quit (escape key)");
	else if (B.quit > 0)
		note("quit (signal %d)", (int)B.quit);
	return EXIT_QUIT;
}

/* --- set-up and tear-down ------------------------------------------------ */

static void setup_fail(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	bport_close(B.port);
	exit(EXIT_SETUP);
}

static void finish(void)
{
	bsplit_flush(&B.bs, on_event, NULL);
	/* The console shown so far reaches stdout even when we stop. */
	if (B.con_term) {
		while (ob_avail(&B.con_out)) {
			ssize_t k = write(1, B.con_out.p + B.con_out.off, ob_avail(&B.con_out));
			if (k <= 0)
				break;
			ob_drop(&B.con_out, (size_t)k);
		}
	}
	if (B.con.fd >= 0)
		drain(B.con.fd, &B.con.out, 0);
	if (B.gdb.fd >= 0)
		drain(B.gdb.fd, &B.gdb.out, 0);
	if (B.status != EXIT_LINE)
		drain_line();	/* keys typed just before the escape key */
	os_term_restore();
	if (B.o.stats)
		print_stats();
	if (B.log)
		fclose(B.log);
	if (B.trace)
		fclose(B.trace);
	if (B.o.gdb_pty_link)
		unlink(B.o.gdb_pty_link);
	bport_close(B.port);
	bsplit_free(&B.bs);
}

int main(int argc, char **argv)
{
	char err[512];
	parse(argc, argv, &B.o);
	if (B.o.list) {
		if (bport_list(stdout, err, sizeof(err)) < 0) {
			fprintf(stderr, PROG ": %s\n", err);
			return EXIT_PORT;
		}
		return EXIT_QUIT;
	}
	B.t0 = os_now();
	if (bsplit_init(&B.bs, MAX_PACKET) < 0) {
		fprintf(stderr, PROG ": out of memory\n");
		return EXIT_SETUP;
	}

	/* The port first: a missing or busy port is the likeliest error. */
	enum bport_err why;
	B.port = bport_open(B.o.port, &B.o.line, &why, err, sizeof(err));
	if (!B.port) {
		fprintf(stderr, PROG ": %s: %s\n", B.o.port, err);
		return EXIT_PORT;
	}

	B.gdb_listen = listen_on(B.o.bind, B.o.gdb_port, B.gdb_where,
				 sizeof(B.gdb_where), err, sizeof(err));
	if (B.gdb_listen < 0)
		setup_fail("gdb: %s", err);
	char con_where[128] = "";
	if (B.o.console_port >= 0) {
		B.con_listen = listen_on(B.o.bind, B.o.console_port, con_where,
					 sizeof(con_where), err, sizeof(err));
		if (B.con_listen < 0)
			setup_fail("console: %s", err);
	} else {
		B.con_term = true;
		B.stdin_open = true;
	}
	if (B.o.gdb_pty) {
		B.pty = os_pty_open(B.pty_name, sizeof(B.pty_name));
		if (B.pty < 0)
			setup_fail("cannot create a pty for --gdb-pty: %s", strerror(errno));
		if (B.o.gdb_pty_link) {
			unlink(B.o.gdb_pty_link);
			if (symlink(B.pty_name, B.o.gdb_pty_link) < 0)
				setup_fail("--gdb-pty=%s: cannot make the link: %s",
					   B.o.gdb_pty_link, strerror(errno));
		}
	}
	if (B.o.log && !(B.log = fopen(B.o.log, "a")))
		setup_fail("--log %s: %s", B.o.log, strerror(errno));
	if (B.o.trace) {
		if (!(B.trace = fopen(B.o.trace, "w")))
			setup_fail("--trace-rsp %s: %s", B.o.trace, strerror(errno));
		char ts[40];
		os_wallclock(ts, sizeof(ts));
		fprintf(B.trace, "# " PROG " RSP trace of %s, started %s; seconds since "
			"then, gdb> from the debugger, <tgt from the target\n", B.o.port, ts);
	}

	os_signals(&B.quit, &B.want_stats);
	/* Raw before the banner: the last line of it says we are ready. */
	if (B.con_term && isatty(0) && os_term_raw(0) < 0)
		note("cannot put the terminal in raw mode: %s", strerror(errno));
	char esc[16];
	escape_name(B.o.escape, esc, sizeof(esc));
	static const char *flows[] = { "none", "xon-xoff", "rts-cts" };
	note("%s: %d %d%c%d, flow control %s, through %s", B.o.port, B.o.line.baud,
	     B.o.line.data_bits, B.o.line.parity, B.o.line.stop_bits,
	     flows[B.o.line.flow], bport_backend(B.port));
	if (B.con_term && isatty(0))
		note("console: this terminal (%s quits)", esc);
	else if (B.con_term)
		note("console: standard output");
	else
		note("console: TCP %s", con_where);
	if (B.pty >= 0)
		note("gdb pty: %s%s%s", B.o.gdb_pty_link ? B.o.gdb_pty_link : B.pty_name,
		     B.o.gdb_pty_link ? " -> " : "", B.o.gdb_pty_link ? B.pty_name : "");
	/* Always printed (scripts and tests read the port from it). */
	error_line("gdb: target remote %s", B.gdb_where);

	if (B.o.brk == 1) {
		ob_put(&B.to_line, "\x03", 1);
		note("sent a break-in (0x03)");
	} else if (B.o.brk == 2) {
		if (bport_send_break(B.port, err, sizeof(err)) < 0)
			error_line("%s: %s", B.o.port, err);
		else
			note("sent a break condition on the line");
	}

	int status = loop();
	finish();
	return status;
}
