/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* POSIX pieces of kstub-bridge (bridge_os.h). */
#if defined(__linux__)
#define _GNU_SOURCE		/* posix_openpt & co. under -std=c11 */
#endif
#include "bridge_os.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static struct termios saved;
static int raw_fd = -1;

void os_term_restore(void)
{
	if (raw_fd >= 0) {
		tcsetattr(raw_fd, TCSAFLUSH, &saved);
		raw_fd = -1;
	}
}

bool os_term_is_raw(void)
{
	return raw_fd >= 0;
}

static void make_raw(struct termios *t)
{
	t->c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
				  ICRNL | IXON);
	t->c_oflag &= ~(tcflag_t)OPOST;
	t->c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t->c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t->c_cflag |= CS8;
	t->c_cc[VMIN] = 1;
	t->c_cc[VTIME] = 0;
}

int os_term_raw(int fd)
{
	struct termios t;
	if (tcgetattr(fd, &saved) < 0)
		return -1;
	t = saved;
	make_raw(&t);
	if (tcsetattr(fd, TCSAFLUSH, &t) < 0)
		return -1;
	if (raw_fd < 0)
		atexit(os_term_restore);
	raw_fd = fd;
	return 0;
}

int os_pty_open(char *name, size_t len)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0)
		return -1;
	if (grantpt(m) < 0 || unlockpt(m) < 0)
		goto fail;
	const char *s = ptsname(m);
	if (!s || strlen(s) >= len)
		goto fail;
	strcpy(name, s);
	/* Raw slave: the settings stay with the pair while we hold the
	 * master (gdb sets raw mode itself anyway; other tools may not). */
	int sfd = open(name, O_RDWR | O_NOCTTY);
	if (sfd >= 0) {
		struct termios t;
		if (tcgetattr(sfd, &t) == 0) {
			make_raw(&t);
			tcsetattr(sfd, TCSANOW, &t);
		}
		close(sfd);
	}
	if (os_nonblock(m) < 0)
		goto fail;
	fcntl(m, F_SETFD, FD_CLOEXEC);
	return m;
fail:
	close(m);
	return -1;
}

bool os_pty_peer_present(int master)
{
	/* With no slave open the master reports a hang-up. */
	struct pollfd p = { .fd = master, .events = POLLIN };
	if (poll(&p, 1, 0) < 0)
		return false;
	return !(p.revents & POLLHUP);
}

double os_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void os_wallclock(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	time_t sec = tv.tv_sec;
	localtime_r(&sec, &tm);
	size_t k = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf + k, len - k, ".%03ld", (long)(tv.tv_usec / 1000));
}

static volatile sig_atomic_t *quit_flag, *stats_flag;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		*stats_flag = 1;
	else
		*quit_flag = sig;
}

void os_signals(volatile sig_atomic_t *quit, volatile sig_atomic_t *stats)
{
	quit_flag = quit;
	stats_flag = stats;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: poll() returns EINTR and the loop looks at the flags. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int os_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return 0;
}
