/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * kstub-bridge's serial port: libserialport, with a POSIX termios
 * fallback for terminals libserialport does not list (pseudo-terminals).
 * Everything platform-specific about the port lives in this file.
 */
#if defined(__linux__)
#define _GNU_SOURCE		/* flock, CMSPAR, the high B* rates */
#endif
#include "bridge_port.h"

#include <errno.h>
#include <fcntl.h>
#include <libserialport.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

struct bport {
	struct sp_port *sp;	/* libserialport, or NULL */
	int fd;			/* the descriptor data moves on */
	int lock_fd;		/* our own descriptor holding the flock */
	bool excl;		/* TIOCEXCL set */
};

static void say(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

/* libserialport's text for an error it returned. */
static void sp_reason(enum sp_return r, char *buf, size_t n)
{
	switch (r) {
	case SP_ERR_FAIL: {
		char *m = sp_last_error_message();
		say(buf, n, "%s", m ? m : "failed");
		sp_free_error_message(m);
		break;
	}
	case SP_ERR_ARG:
		say(buf, n, "invalid argument (libserialport SP_ERR_ARG)");
		break;
	case SP_ERR_MEM:
		say(buf, n, "out of memory (libserialport)");
		break;
	case SP_ERR_SUPP:
		say(buf, n, "not supported by this port or system (libserialport SP_ERR_SUPP)");
		break;
	default:
		say(buf, n, "libserialport error %d", (int)r);
		break;
	}
}

/* --- locking ----------------------------------------------------------- */

/* Another bridge (or picocom, which also uses flock) has the port? */
static int lock_port(const char *path, int *lock_fd, enum bport_err *why,
		     char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		*why = errno == ENOENT || errno == ENODEV || errno == ENXIO ?
		       BPORT_ENOENT : errno == EBUSY ? BPORT_EBUSY : BPORT_EOTHER;
		say(err, errlen, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(fd);
		if (e == EWOULDBLOCK) {
			*why = BPORT_EBUSY;
			say(err, errlen, "port busy: another program holds it "
			    "(is a bridge already running?)");
		} else {
			*why = BPORT_EOTHER;
			say(err, errlen, "cannot lock: %s", strerror(e));
		}
		return -1;
	}
	*lock_fd = fd;
	return 0;
}

static void set_exclusive(struct bport *p)
{
#ifdef TIOCEXCL
	/* Later opens by other users fail with EBUSY (root is exempt). */
	p->excl = ioctl(p->fd, TIOCEXCL) == 0;
#endif
}

/* --- termios fallback -------------------------------------------------- */

static const struct {
	int baud;
	speed_t code;
} rates[] = {
	{ 50, B50 }, { 75, B75 }, { 110, B110 }, { 134, B134 }, { 150, B150 },
	{ 200, B200 }, { 300, B300 }, { 600, B600 }, { 1200, B1200 },
	{ 1800, B1800 }, { 2400, B2400 }, { 4800, B4800 }, { 9600, B9600 },
	{ 19200, B19200 }, { 38400, B38400 },
#ifdef B57600
	{ 57600, B57600 },
#endif
#ifdef B115200
	{ 115200, B115200 },
#endif
#ifdef B230400
	{ 230400, B230400 },
#endif
#ifdef B460800
	{ 460800, B460800 },
#endif
#ifdef B500000
	{ 500000, B500000 },
#endif
#ifdef B576000
	{ 576000, B576000 },
#endif
#ifdef B921600
	{ 921600, B921600 },
#endif
#ifdef B1000000
	{ 1000000, B1000000 },
#endif
#ifdef B1500000
	{ 1500000, B1500000 },
#endif
#ifdef B2000000
	{ 2000000, B2000000 },
#endif
#ifdef B3000000
	{ 3000000, B3000000 },
#endif
#ifdef B4000000
	{ 4000000, B4000000 },
#endif
};

static int termios_config(int fd, const struct bport_settings *s, char *err,
			  size_t errlen)
{
	struct termios t;
	if (tcgetattr(fd, &t) < 0) {
		say(err, errlen, "cannot read the line settings: %s", strerror(errno));
		return -1;
	}
	speed_t code = 0;
	bool found = false;
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		if (rates[i].baud == s->baud) {
			code = rates[i].code;
			found = true;
		}
	}
	if (!found) {
		say(err, errlen, "cannot set %d baud: not a standard rate, and this "
		    "terminal is not a port libserialport knows", s->baud);
		return -1;
	}
	/* Raw: no echo, no line editing, no translation, no signals. */
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
				 ICRNL | IXON | IXOFF | IXANY | INPCK);
	t.c_oflag &= ~(tcflag_t)OPOST;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | PARODD | CSTOPB);
#ifdef CMSPAR
	t.c_cflag &= ~(tcflag_t)CMSPAR;
#endif
#ifdef CRTSCTS
	t.c_cflag &= ~(tcflag_t)CRTSCTS;
#endif
	t.c_cflag |= CREAD | CLOCAL;
	static const tcflag_t sizes[] = { CS5, CS6, CS7, CS8 };
	t.c_cflag |= sizes[s->data_bits - 5];
	switch (s->parity) {
	case 'O':
		t.c_cflag |= PARENB | PARODD;
		break;
	case 'E':
		t.c_cflag |= PARENB;
		break;
	case 'M':
	case 'S':
#ifdef CMSPAR
		t.c_cflag |= PARENB | CMSPAR | (s->parity == 'M' ? PARODD : 0);
		break;
#else
		say(err, errlen, "cannot set mark/space parity: not supported here");
		return -1;
#endif
	default:
		break;
	}
	if (s->stop_bits == 2)
		t.c_cflag |= CSTOPB;
	if (s->flow == BPORT_FLOW_XONXOFF)
		t.c_iflag |= IXON | IXOFF;
	if (s->flow == BPORT_FLOW_RTSCTS) {
#ifdef CRTSCTS
		t.c_cflag |= CRTSCTS;
#else
		say(err, errlen, "cannot set RTS/CTS flow control: not supported here");
		return -1;
#endif
	}
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (cfsetispeed(&t, code) < 0 || cfsetospeed(&t, code) < 0 ||
	    tcsetattr(fd, TCSANOW, &t) < 0) {
		say(err, errlen, "cannot apply the line settings: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* --- libserialport ----------------------------------------------------- */

static int sp_config(struct sp_port *sp, const struct bport_settings *s,
		     char *err, size_t errlen)
{
	char why[200];
	enum sp_return r;
	if ((r = sp_set_baudrate(sp, s->baud)) != SP_OK) {
		sp_reason(r, why, sizeof(why));
		say(err, errlen, "cannot set %d baud: %s", s->baud, why);
		return -1;
	}
	if ((r = sp_set_bits(sp, s->data_bits)) != SP_OK) {
		sp_reason(r, why, sizeof(why));
		say(err, errlen, "cannot set %d data bits: %s", s->data_bits, why);
		return -1;
	}
	enum sp_parity par = s->parity == 'O' ? SP_PARITY_ODD :
			     s->parity == 'E' ? SP_PARITY_EVEN :
			     s->parity == 'M' ? SP_PARITY_MARK :
			     s->parity == 'S' ? SP_PARITY_SPACE : SP_PARITY_NONE;
	if ((r = sp_set_parity(sp, par)) != SP_OK) {
		sp_reason(r, why, sizeof(why));
		say(err, errlen, "cannot set parity: %s", why);
		return -1;
	}
	if ((r = sp_set_stopbits(sp, s->stop_bits)) != SP_OK) {
		sp_reason(r, why, sizeof(why));
		say(err, errlen, "cannot set %d stop bits: %s", s->stop_bits, why);
		return -1;
	}
	enum sp_flowcontrol fc = s->flow == BPORT_FLOW_XONXOFF ? SP_FLOWCONTROL_XONXOFF :
				 s->flow == BPORT_FLOW_RTSCTS ? SP_FLOWCONTROL_RTSCTS :
				 SP_FLOWCONTROL_NONE;
	if ((r = sp_set_flowcontrol(sp, fc)) != SP_OK) {
		sp_reason(r, why, sizeof(why));
		say(err, errlen, "cannot set flow control: %s", why);
		return -1;
	}
	return 0;
}

/* --- open / close ------------------------------------------------------ */

struct bport *bport_open(const char *path, const struct bport_settings *s,
			 enum bport_err *why, char *err, size_t errlen)
{
	struct stat st;
	char spwhy[200];
	*why = BPORT_EOTHER;
	if (stat(path, &st) < 0) {
		*why = errno == ENOENT || errno == ENOTDIR ? BPORT_ENOENT : BPORT_EOTHER;
		say(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	struct bport *p = calloc(1, sizeof(*p));
	if (!p) {
		say(err, errlen, "out of memory");
		return NULL;
	}
	p->fd = p->lock_fd = -1;
	if (lock_port(path, &p->lock_fd, why, err, errlen) < 0) {
		free(p);
		return NULL;
	}

	enum sp_return r = sp_get_port_by_name(path, &p->sp);
	if (r == SP_OK) {
		r = sp_open(p->sp, SP_MODE_READ_WRITE);
		if (r != SP_OK) {
			*why = errno == EBUSY ? BPORT_EBUSY : BPORT_EOTHER;
			sp_reason(r, spwhy, sizeof(spwhy));
			say(err, errlen, "cannot open: %s", spwhy);
			goto fail;
		}
		if (sp_get_port_handle(p->sp, &p->fd) != SP_OK) {
			say(err, errlen, "cannot get the port's descriptor");
			goto fail;
		}
		set_exclusive(p);
		if (sp_config(p->sp, s, err, errlen) < 0) {
			*why = BPORT_ESETTING;
			goto fail;
		}
		return p;
	}
	/* Not a port libserialport knows.  A terminal all the same? */
	sp_reason(r, spwhy, sizeof(spwhy));
	p->sp = NULL;
	if (!S_ISCHR(st.st_mode) || !isatty(p->lock_fd)) {
		say(err, errlen, "not a serial port (libserialport: %s)", spwhy);
		goto fail;
	}
	p->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (p->fd < 0) {
		*why = errno == EBUSY ? BPORT_EBUSY : BPORT_EOTHER;
		say(err, errlen, "cannot open: %s", strerror(errno));
		goto fail;
	}
	set_exclusive(p);
	if (termios_config(p->fd, s, err, errlen) < 0) {
		*why = BPORT_ESETTING;
		goto fail;
	}
	return p;
fail:
	bport_close(p);
	return NULL;
}

const char *bport_backend(const struct bport *p)
{
	return p->sp ? "libserialport" : "termios (a terminal libserialport does not list)";
}

int bport_fd(const struct bport *p)
{
	return p->fd;
}

long bport_read(struct bport *p, void *buf, size_t n, char *err, size_t errlen)
{
	if (p->sp) {
		enum sp_return r = sp_nonblocking_read(p->sp, buf, n);
		if (r < 0) {
			char why[200];
			sp_reason(r, why, sizeof(why));
			say(err, errlen, "read failed: %s", why);
			return -1;
		}
		return r;
	}
	ssize_t k = read(p->fd, buf, n);
	if (k > 0)
		return k;
	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	if (k == 0 || errno == EIO)
		say(err, errlen, "the line hung up (the other end closed it)");
	else
		say(err, errlen, "read failed: %s", strerror(errno));
	return -1;
}

long bport_write(struct bport *p, const void *buf, size_t n, char *err, size_t errlen)
{
	if (p->sp) {
		enum sp_return r = sp_nonblocking_write(p->sp, buf, n);
		if (r < 0) {
			char why[200];
			sp_reason(r, why, sizeof(why));
			say(err, errlen, "write failed: %s", why);
			return -1;
		}
		return r;
	}
	ssize_t k = write(p->fd, buf, n);
	if (k >= 0)
		return k;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	if (errno == EIO)
		say(err, errlen, "the line hung up (the other end closed it)");
	else
		say(err, errlen, "write failed: %s", strerror(errno));
	return -1;
}

int bport_send_break(struct bport *p, char *err, size_t errlen)
{
	if (p->sp) {
		enum sp_return r = sp_start_break(p->sp);
		if (r == SP_OK) {
			struct timespec ts = { 0, 250 * 1000 * 1000 };
			nanosleep(&ts, NULL);
			r = sp_end_break(p->sp);
		}
		if (r != SP_OK) {
			char why[200];
			sp_reason(r, why, sizeof(why));
			say(err, errlen, "cannot send a break: %s", why);
			return -1;
		}
		return 0;
	}
	if (tcsendbreak(p->fd, 0) < 0) {
		say(err, errlen, "cannot send a break: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void bport_close(struct bport *p)
{
	if (!p)
		return;
#ifdef TIOCNXCL
	if (p->excl)
		ioctl(p->fd, TIOCNXCL);
#endif
	if (p->sp) {
		sp_close(p->sp);	/* a port that never opened says so, harmlessly */
		sp_free_port(p->sp);
	} else if (p->fd >= 0) {
		close(p->fd);
	}
	if (p->lock_fd >= 0)
		close(p->lock_fd);
	free(p);
}

const char *bport_lib_version(void)
{
	return sp_get_lib_version_string();
}

/* --- --list ------------------------------------------------------------ */

int bport_list(FILE *out, char *err, size_t errlen)
{
	struct sp_port **ports;
	enum sp_return r = sp_list_ports(&ports);
	if (r != SP_OK) {
		char why[200];
		sp_reason(r, why, sizeof(why));
		say(err, errlen, "cannot list serial ports: %s", why);
		return -1;
	}
	size_t n = 0;
	while (ports[n])
		n++;
	if (!n) {
		fprintf(out, "no serial ports found\n");
		sp_free_port_list(ports);
		return 0;
	}
	fprintf(out, "%-20s %-9s %-9s %-20s %s\n", "PORT", "TRANSPORT", "VID:PID",
		"SERIAL", "DESCRIPTION");
	for (size_t i = 0; i < n; i++) {
		struct sp_port *sp = ports[i];
		enum sp_transport t = sp_get_port_transport(sp);
		char vidpid[16] = "-";
		const char *serial = NULL;
		if (t == SP_TRANSPORT_USB) {
			int vid, pid;
			if (sp_get_port_usb_vid_pid(sp, &vid, &pid) == SP_OK)
				snprintf(vidpid, sizeof(vidpid), "%04x:%04x", vid, pid);
			serial = sp_get_port_usb_serial(sp);
		} else if (t == SP_TRANSPORT_BLUETOOTH) {
			serial = sp_get_port_bluetooth_address(sp);
		}
		const char *desc = sp_get_port_description(sp);
		fprintf(out, "%-20s %-9s %-9s %-20s %s\n", sp_get_port_name(sp),
			t == SP_TRANSPORT_USB ? "usb" :
			t == SP_TRANSPORT_BLUETOOTH ? "bluetooth" : "native",
			vidpid, serial && *serial ? serial : "-",
			desc && *desc ? desc : "-");
	}
	sp_free_port_list(ports);
	return 0;
}
