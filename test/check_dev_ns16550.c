/* The 16550A UART through its ports. */
#include "config.h"
#include "dev/ns16550.h"

#include <check.h>
#include "check_run.h"
#include <stdlib.h>
#include <string.h>

static struct iobus *bus;
static struct vclock *vc;
static struct ns16550 *u;
static int irq_level;
static uint8_t txbuf[64];
static size_t txlen;
static const char *rxsrc;
static size_t rxpos;

static void irq_set(void *o, int n, int level) { (void)o; (void)n; irq_level = level; }
static const struct irq_line line = { irq_set, NULL, 4 };
static void be_write(void *o, const uint8_t *b, size_t n)
{
	(void)o;
	if (txlen + n <= sizeof(txbuf)) {
		memcpy(txbuf + txlen, b, n);
		txlen += n;
	}
}
static size_t be_read(void *o, uint8_t *b, size_t n)
{
	size_t left = rxsrc ? strlen(rxsrc) - rxpos : 0;
	(void)o;
	if (n > left)
		n = left;
	memcpy(b, rxsrc + rxpos, n);
	rxpos += n;
	return n;
}
static const struct ns16550_backend be = { be_write, be_read, NULL };

static void setup(void)
{
	ck_assert_int_eq(iobus_create(&bus), 0);
	ck_assert_int_eq(vclock_create(&vc), 0);
	vclock_set_manual(vc, true);
	ck_assert_int_eq(ns16550_create(bus, 0x3f8, &line, vc, &be, &u), 0);
	irq_level = 0;
	txlen = 0;
	rxsrc = NULL;
	rxpos = 0;
}

static void teardown(void)
{
	ns16550_destroy(u);
	vclock_destroy(vc);
	iobus_destroy(bus);
}

START_TEST(divisor_tx_thre)
{
	iobus_out(bus, 0x3fb, 1, 0x83);
	iobus_out(bus, 0x3f8, 1, 0x01);
	iobus_out(bus, 0x3f9, 1, 0x00);         /* 115200 */
	ck_assert_uint_eq(iobus_in(bus, 0x3f8, 1), 0x01);
	iobus_out(bus, 0x3fb, 1, 0x03);
	ck_assert_uint_eq(iobus_in(bus, 0x3fb, 1), 0x03);
	ck_assert_uint_eq(iobus_in(bus, 0x3fd, 1) & 0x60, 0x60);
	iobus_out(bus, 0x3f8, 1, 'A');
	ck_assert_uint_eq(txlen, 1);
	ck_assert_uint_eq(txbuf[0], 'A');
	/* THRE interrupt: needs IER bit 1 and OUT2. */
	iobus_out(bus, 0x3f9, 1, 0x02);
	ck_assert_int_eq(irq_level, 0);
	iobus_out(bus, 0x3fc, 1, 0x08);
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(iobus_in(bus, 0x3fa, 1), 0x02);
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(iobus_in(bus, 0x3fa, 1), 0x01);
	iobus_out(bus, 0x3ff, 1, 0x5a);
	ck_assert_uint_eq(iobus_in(bus, 0x3ff, 1), 0x5a);
}
END_TEST

START_TEST(loopback_fifo_overrun)
{
	iobus_out(bus, 0x3fc, 1, 0x1f);         /* loopback, all outputs on */
	ck_assert_uint_eq(iobus_in(bus, 0x3fe, 1) & 0xf0, 0xf0);
	iobus_out(bus, 0x3fc, 1, 0x10);
	ck_assert_uint_eq(iobus_in(bus, 0x3fe, 1) & 0xf0, 0x00);
	/* No FIFO: a second byte overruns. */
	iobus_out(bus, 0x3f8, 1, 'x');
	iobus_out(bus, 0x3f8, 1, 'y');
	ck_assert_uint_eq(txlen, 0);
	ck_assert_uint_eq(iobus_in(bus, 0x3fd, 1) & 0x03, 0x03);
	ck_assert_uint_eq(iobus_in(bus, 0x3fd, 1) & 0x02, 0);   /* OE read-clears */
	ck_assert_uint_eq(iobus_in(bus, 0x3f8, 1), 'x');
	/* FIFO: 16 bytes fit, the 17th overruns. */
	iobus_out(bus, 0x3fa, 1, 0x07);
	ck_assert_uint_eq(iobus_in(bus, 0x3fa, 1) & 0xc0, 0xc0);
	for (int i = 0; i < 17; i++)
		iobus_out(bus, 0x3f8, 1, 'a' + i);
	ck_assert_uint_eq(iobus_in(bus, 0x3fd, 1) & 0x03, 0x03);
	for (int i = 0; i < 16; i++)
		ck_assert_uint_eq(iobus_in(bus, 0x3f8, 1), 'a' + i);
	ck_assert_uint_eq(iobus_in(bus, 0x3fd, 1) & 0x01, 0);
}
END_TEST

START_TEST(rx_trigger_timeout_priority)
{
	iobus_out(bus, 0x3fa, 1, 0x47);         /* FIFO, trigger 4 */
	iobus_out(bus, 0x3fc, 1, 0x08);
	iobus_out(bus, 0x3f9, 1, 0x03);         /* RDA + THRE */
	/* THRE is pending at once; RX data outranks it. */
	ck_assert_int_eq(irq_level, 1);
	rxsrc = "hello";
	vclock_advance(vc, 2000000);
	ck_assert_uint_eq(iobus_in(bus, 0x3fa, 1), 0xc4);
	for (int i = 0; i < 2; i++)
		iobus_in(bus, 0x3f8, 1);
	/* 3 left (below trigger): THRE next, then the timeout. */
	ck_assert_uint_eq(iobus_in(bus, 0x3fa, 1), 0xc2);
	ck_assert_uint_eq(iobus_in(bus, 0x3fa, 1), 0xc1);
	vclock_advance(vc, 10000000);
	ck_assert_uint_eq(iobus_in(bus, 0x3fa, 1), 0xcc);
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(iobus_in(bus, 0x3f8, 1), 'l');
	ck_assert_uint_eq(iobus_in(bus, 0x3f8, 1), 'l');
	ck_assert_uint_eq(iobus_in(bus, 0x3f8, 1), 'o');
	ck_assert_int_eq(irq_level, 0);
	/* Overrun raises the line-status interrupt, the top priority. */
	iobus_out(bus, 0x3f9, 1, 0x05);
	rxsrc = "0123456789abcdefXYZ";
	rxpos = 0;
	vclock_advance(vc, 5000000);
	iobus_out(bus, 0x3fc, 1, 0x18);
	for (int i = 0; i < 3; i++)
		iobus_out(bus, 0x3f8, 1, 'z');
	ck_assert_uint_eq(iobus_in(bus, 0x3fa, 1), 0xc6);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ns16550");
	TCase *tc = tcase_create("uart");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, divisor_tx_thre);
	tcase_add_test(tc, loopback_fifo_overrun);
	tcase_add_test(tc, rx_trigger_timeout_priority);
	suite_add_tcase(s, tc);
	return check_run(s);
}
