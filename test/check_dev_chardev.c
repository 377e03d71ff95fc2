/* Chardev back ends end to end: file and unix-socket pipe. */
#include "config.h"
#include "dev/chardev.h"

#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

START_TEST(file_backend)
{
	char path[] = "/tmp/check_chardev_XXXXXX";
	int fd = mkstemp(path);
	struct chardev *cd;
	char buf[32] = { 0 };

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "old:", 4), 4);
	ck_assert_int_eq(chardev_open("file", path, &cd), 0);
	ck_assert_uint_eq(chardev_write(cd, "hello\n", 6), 6);
	ck_assert_uint_eq(chardev_read(cd, buf, sizeof(buf)), 0);
	chardev_close(cd);
	ck_assert_int_eq(pread(fd, buf, sizeof(buf) - 1, 0), 10);
	ck_assert_str_eq(buf, "old:hello\n");
	close(fd);
	unlink(path);
	ck_assert_int_eq(chardev_open("bogus", path, &cd), -EINVAL);
	ck_assert_int_eq(chardev_open("file", "/nonexistent/dir/x", &cd), -ENOENT);
	chardev_close(NULL);
}
END_TEST

START_TEST(pipe_backend)
{
	char path[64];
	struct chardev *cd;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[32] = { 0 };
	int s, i;
	size_t n = 0;

	snprintf(path, sizeof(path), "/tmp/check_chardev_%d.sock", (int)getpid());
	ck_assert_int_eq(chardev_open("pipe", path, &cd), 0);
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* Peer to guest. */
	ck_assert_int_eq(write(s, "ping", 4), 4);
	for (i = 0; i < 200 && n < 4; i++) {
		n += chardev_read(cd, buf + n, sizeof(buf) - n);
		usleep(5000);
	}
	ck_assert_uint_eq(n, 4);
	ck_assert(memcmp(buf, "ping", 4) == 0);
	/* Guest to peer (the client may be accepted a moment after connect). */
	for (i = 0; i < 50; i++)
		usleep(1000);
	ck_assert_uint_eq(chardev_write(cd, "pong", 4), 4);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(read(s, buf, 4), 4);
	ck_assert_str_eq(buf, "pong");
	close(s);
	chardev_close(cd);
	unlink(path);
}
END_TEST

START_TEST(network_backend_telnet)
{
	struct chardev *cd;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char name[64], buf[16] = { 0 };
	int s, port = 20000 + getpid() % 20000;
	size_t n = 0;

	snprintf(name, sizeof(name), "telnet://127.0.0.1:%d", port);
	ck_assert_int_eq(chardev_open("network", name, &cd), 0);
	ck_assert_int_eq(chardev_open("network", "telnet://nocolon", &cd), -EINVAL);
	s = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* IAC DO ECHO, "a", IAC IAC, IAC NOP, "b". */
	ck_assert_int_eq(write(s, "\xff\xfd\x01" "a\xff\xff\xff\xf1" "b", 9), 9);
	for (int i = 0; i < 200 && n < 3; i++) {
		n += chardev_read(cd, buf + n, sizeof(buf) - n);
		usleep(5000);
	}
	ck_assert_uint_eq(n, 3);
	ck_assert(memcmp(buf, "a\xff" "b", 3) == 0);
	close(s);
	chardev_close(cd);
}
END_TEST

START_TEST(full_ring_drops)
{
	char path[] = "/tmp/check_chardev_XXXXXX";
	int fd = mkstemp(path);
	struct chardev *cd;
	static char big[200000];

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(chardev_open("file", path, &cd), 0);
	size_t n = chardev_write(cd, big, sizeof(big));
	ck_assert_uint_lt(n, sizeof(big));
	ck_assert_uint_eq(chardev_dropped(cd), sizeof(big) - n);
	chardev_close(cd);
	close(fd);
	unlink(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("chardev");
	TCase *tc = tcase_create("chardev");

	tcase_add_test(tc, file_backend);
	tcase_add_test(tc, pipe_backend);
	tcase_add_test(tc, network_backend_telnet);
	tcase_add_test(tc, full_ring_drops);
	suite_add_tcase(s, tc);
	return check_run(s);
}
