/* The .vmx parser: syntax, typed getters, errors naming file and line,
 * write-back that keeps comments, order and unknown keys. */
#include "config.h"
#include "suites.h"
#include "vmx.h"
#include "vmconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

static void write_file(const char *text)
{
	FILE *fp;

	strcpy(path, "/tmp/check_vmx_XXXXXX.vmx");
	int fd = mkstemps(path, 4);
	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	fputs(text, fp);
	fclose(fp);
}

static char *slurp(const char *p)
{
	FILE *fp = fopen(p, "r");
	static char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf) - 1, fp);

	fclose(fp);
	buf[n] = '\0';
	return buf;
}

/* Loads text and expects failure with a message containing want. */
static void expect_error(const char *text, const char *want)
{
	struct vmx *v;
	char err[600], full[700];

	write_file(text);
	ck_assert_int_lt(vmx_load(path, &v, err, sizeof(err)), 0);
	ck_assert_ptr_null(v);
	snprintf(full, sizeof(full), "%s", want);
	ck_assert_msg(strstr(err, full), "error \"%s\" lacks \"%s\"", err, full);
	ck_assert_msg(strstr(err, path), "error \"%s\" does not name the file", err);
	unlink(path);
}

START_TEST(parses_vmware_syntax)
{
	struct vmx *v;
	char err[600];

	write_file(".encoding = \"UTF-8\"\n"
		   "# a comment\n"
		   "\n"
		   "displayName = \"My |22VM|22 é\"\n"
		   "MemSize = \"512\"   # trailing comment\n"
		   "bare = TRUE\n"
		   "  indented.key = \"x\"\r\n");
	ck_assert_int_eq(vmx_load(path, &v, err, sizeof(err)), 0);
	ck_assert_str_eq(vmx_get(v, "displayname"), "My \"VM\" é");
	ck_assert_str_eq(vmx_get(v, "memsize"), "512");
	ck_assert_uint_eq(vmx_line(v, "MEMSIZE"), 5);
	ck_assert_str_eq(vmx_get(v, "bare"), "TRUE");
	ck_assert_str_eq(vmx_get(v, "indented.key"), "x");
	ck_assert_ptr_null(vmx_get(v, "absent"));
	vmx_free(v);
	unlink(path);
}
END_TEST

START_TEST(duplicate_last_wins)
{
	struct vmx *v;
	char err[600];

	write_file("memsize = \"256\"\nmemsize = \"1024\"\n");
	ck_assert_int_eq(vmx_load(path, &v, err, sizeof(err)), 0);
	ck_assert_str_eq(vmx_get(v, "memsize"), "1024");
	ck_assert_uint_eq(vmx_line(v, "memsize"), 2);
	vmx_free(v);
	unlink(path);
}
END_TEST

START_TEST(malformed_lines)
{
	expect_error("a = \"1\"\nmemsize \"512\"\n", ":2: missing '='");
	expect_error("a = \"1\"\nb = \"1\"\ndisplayName = \"oops\n", ":3: unterminated quote");
	expect_error("displayName = \"bad |2 escape\"\n", ":1: bad escape");
	expect_error("displayName = \"bad |ZZ escape\"\n", ":1: bad escape");
	expect_error("x = \"1\" junk\n", ":1: unexpected text");
	expect_error("= \"1\"\n", ":1: expected a key name");
	expect_error("x = \"\xff\xfe\"\n", ":1: the value of \"x\" is not valid UTF-8");
	expect_error(".encoding = \"Shift_JIS\"\n", ":1: unsupported .encoding");
}
END_TEST

START_TEST(typed_getters)
{
	struct vmx *v;
	char err[600];
	bool b;
	int64_t i;
	uint64_t sz;
	uint8_t mac[6];
	bool present;

	write_file("t1 = \"TRUE\"\nt2 = \"yes\"\nf1 = \"false\"\nf2 = \"0\"\nbadb = \"maybe\"\n"
		   "n = \"42\"\nneg = \"-3\"\nhex = \"0x10\"\nbadn = \"12abc\"\n"
		   "s1 = \"2G\"\ns2 = \"512\"\ns3 = \"64KB\"\nbads = \"1X\"\n"
		   "mac = \"00:50:56:01:02:0a\"\nbadmac = \"00:50:56:01:02\"\nshortmac = \"00:\"\n"
		   "dec = \"010\"\nbad8 = \"08\"\n");
	ck_assert_int_eq(vmx_load(path, &v, err, sizeof(err)), 0);
	ck_assert_int_eq(vmx_get_bool(v, "t1", false, &b), 0); ck_assert(b);
	ck_assert_int_eq(vmx_get_bool(v, "t2", false, &b), 0); ck_assert(b);
	ck_assert_int_eq(vmx_get_bool(v, "f1", true, &b), 0); ck_assert(!b);
	ck_assert_int_eq(vmx_get_bool(v, "f2", true, &b), 0); ck_assert(!b);
	ck_assert_int_eq(vmx_get_bool(v, "absent", true, &b), 0); ck_assert(b);
	ck_assert_int_lt(vmx_get_bool(v, "badb", false, &b), 0);
	ck_assert_ptr_nonnull(strstr(vmx_error(v), ":5: badb = \"maybe\" is not a boolean"));
	ck_assert_int_eq(vmx_get_int(v, "n", 0, 0, 100, &i), 0); ck_assert_int_eq(i, 42);
	ck_assert_int_eq(vmx_get_int(v, "neg", 0, -10, 10, &i), 0); ck_assert_int_eq(i, -3);
	ck_assert_int_eq(vmx_get_int(v, "hex", 0, 0, 100, &i), 0); ck_assert_int_eq(i, 16);
	ck_assert_int_lt(vmx_get_int(v, "n", 0, 0, 10, &i), 0);
	ck_assert_ptr_nonnull(strstr(vmx_error(v), ":6: n = \"42\" is out of range"));
	ck_assert_int_lt(vmx_get_int(v, "badn", 0, 0, 100, &i), 0);
	ck_assert_int_eq(vmx_get_size(v, "s1", 1, 0, 0, UINT64_MAX, &sz), 0); ck_assert_uint_eq(sz, 2ull << 30);
	ck_assert_int_eq(vmx_get_size(v, "s2", 1 << 20, 0, 0, UINT64_MAX, &sz), 0); ck_assert_uint_eq(sz, 512ull << 20);
	ck_assert_int_eq(vmx_get_size(v, "s3", 1, 0, 0, UINT64_MAX, &sz), 0); ck_assert_uint_eq(sz, 64ull << 10);
	ck_assert_int_lt(vmx_get_size(v, "bads", 1, 0, 0, UINT64_MAX, &sz), 0);
	ck_assert_int_eq(vmx_get_mac(v, "mac", mac, &present), 0);
	ck_assert(present);
	ck_assert_uint_eq(mac[5], 0x0a);
	ck_assert_int_lt(vmx_get_mac(v, "badmac", mac, &present), 0);
	ck_assert_int_lt(vmx_get_mac(v, "shortmac", mac, &present), 0);
	/* Leading zeros are decimal, not octal. */
	ck_assert_int_eq(vmx_get_int(v, "dec", 0, 0, 100, &i), 0); ck_assert_int_eq(i, 10);
	ck_assert_int_eq(vmx_get_int(v, "bad8", 0, 0, 100, &i), 0); ck_assert_int_eq(i, 8);
	vmx_free(v);
	unlink(path);
}
END_TEST

START_TEST(write_back_keeps_comments)
{
	struct vmx *v;
	char err[600];
	const char *orig = "# header comment\n"
			   "displayName = \"vm\"\n"
			   "\n"
			   "custom.unknownKey = \"kept\"   # note\n"
			   "ethernet0.present = \"TRUE\"\n";

	write_file(orig);
	ck_assert_int_eq(vmx_load(path, &v, err, sizeof(err)), 0);
	ck_assert_int_eq(vmx_set(v, "ethernet0.generatedAddress", "00:0c:29:aa:bb:cc"), 0);
	ck_assert_int_eq(vmx_set(v, "DISPLAYNAME", "new \"name\""), 0);
	ck_assert_int_eq(vmx_save(v), 0);
	vmx_free(v);
	ck_assert_str_eq(slurp(path),
			 "# header comment\n"
			 "displayName = \"new |22name|22\"\n"
			 "\n"
			 "custom.unknownKey = \"kept\"   # note\n"
			 "ethernet0.present = \"TRUE\"\n"
			 "ethernet0.generatedAddress = \"00:0c:29:aa:bb:cc\"\n");
	/* And it reads back to the same values. */
	ck_assert_int_eq(vmx_load(path, &v, err, sizeof(err)), 0);
	ck_assert_str_eq(vmx_get(v, "displayName"), "new \"name\"");
	ck_assert_str_eq(vmx_get(v, "ethernet0.generatedAddress"), "00:0c:29:aa:bb:cc");
	vmx_free(v);
	unlink(path);
}
END_TEST

/* Loads text through vmcfg and expects an error containing want. */
static void expect_cfg_error(const char *text, const char *want)
{
	struct vmx *v;
	struct vmcfg cfg;
	char err[600];

	write_file(text);
	ck_assert_int_eq(vmx_load(path, &v, err, sizeof(err)), 0);
	ck_assert_int_lt(vmcfg_from_vmx(v, &cfg), 0);
	ck_assert_msg(strstr(vmx_error(v), want), "error \"%s\" lacks \"%s\"", vmx_error(v), want);
	vmcfg_fini(&cfg);
	vmx_free(v);
	unlink(path);
}

START_TEST(impossible_machines)
{
	expect_cfg_error("a = \"1\"\nmemsize = \"0\"\n", ":2: memsize = \"0\" is out of range");
	expect_cfg_error("memsize = \"99999999999\"\n", ":1: memsize");
	expect_cfg_error("numvcpus = \"2\"\n", ":1: numvcpus = \"2\"");
	expect_cfg_error("ide3:0.present = \"TRUE\"\n", ":1: ide3:0.present: there is no IDE device ide3:0");
	expect_cfg_error("ide0:2.fileName = \"x.iso\"\n", ":1: ide0:2.fileName: there is no IDE device");
	expect_cfg_error("serial4.present = \"TRUE\"\n", ":1: serial4.present: there is no such serial port");
	expect_cfg_error("ide1:0.present = \"TRUE\"\nide1:0.deviceType = \"cdrom-image\"\n"
			 "ide1:0.fileName = \"/nonexistent/x.iso\"\n", ":3: ide1:0.fileName");
	expect_cfg_error("ide0:0.present = \"TRUE\"\nide0:0.deviceType = \"floppy\"\n", ":2: ide0:0.deviceType");
	expect_cfg_error("ethernet0.present = \"TRUE\"\nethernet0.addressType = \"static\"\n"
			 "ethernet0.address = \"00:50:56:40:00:01\"\n", "ethernet0.address must be set");
	expect_cfg_error("ethernet0.present = \"yes please\"\n", ":1: ethernet0.present");
	expect_cfg_error("log.rotateSize = \"10\"\n", ":1: log.rotateSize");
}
END_TEST

START_TEST(good_machine)
{
	struct vmx *v;
	struct vmcfg cfg;
	char err[600];

	write_file("memsize = \"64\"\nide1:0.present = \"TRUE\"\nide1:0.deviceType = \"cdrom-image\"\n"
		   "ide1:0.fileName = \"/dev/null\"\nserial0.present = \"TRUE\"\nserial0.fileType = \"file\"\n"
		   "serial0.fileName = \"serial.txt\"\nvmx.log.rotateSize = \"1M\"\nlog.keepOld = \"3\"\n"
		   "ethernet0.present = \"TRUE\"\nethernet0.addressType = \"static\"\n"
		   "ethernet0.address = \"00:50:56:00:00:01\"\n");
	ck_assert_int_eq(vmx_load(path, &v, err, sizeof(err)), 0);
	ck_assert_int_eq(vmcfg_from_vmx(v, &cfg), 0);
	ck_assert_uint_eq(cfg.mem_bytes, 64u << 20);
	ck_assert_int_eq(cfg.ide[1][0].kind, VMCFG_IDE_CDROM);
	ck_assert_str_eq(cfg.serial[0].file, "/tmp/serial.txt");
	ck_assert_uint_eq(cfg.log_rotate_size, 1 << 20);
	ck_assert_uint_eq(cfg.log_keep_old, 3);
	ck_assert(cfg.eth[0].has_mac);
	ck_assert_str_eq(cfg.eth[0].virtual_dev, "e1000");
	vmcfg_fini(&cfg);
	vmx_free(v);
	unlink(path);
}
END_TEST

START_TEST(ethernet_keys)
{
	struct vmx *v;
	struct vmcfg cfg;
	char err[600];

	write_file("ethernet0.present = \"TRUE\"\nethernet0.virtualDev = \"vlance\"\n"
		   "ethernet0.connectionType = \"nat\"\nethernet0.startConnected = \"FALSE\"\n"
		   "ethernet0.noPromisc = \"TRUE\"\nethernet0.downWhenAddrMismatch = \"TRUE\"\n"
		   "ethernet0.noForgedSrcAddr = \"TRUE\"\nethernet0.addressType = \"static\"\n"
		   "ethernet0.address = \"00:50:56:3F:FF:FF\"\n"
		   "ethernet1.present = \"TRUE\"\nethernet1.networkName = \"VM Network\"\n"
		   "ethernet1.connectionType = \"custom\"\nethernet1.vswitchSocket = \"sw/pg.sock\"\n"
		   "ethernet2.present = \"TRUE\"\n");
	ck_assert_int_eq(vmx_load(path, &v, err, sizeof(err)), 0);
	ck_assert_int_eq(vmcfg_from_vmx(v, &cfg), 0);
	ck_assert_str_eq(cfg.eth[0].virtual_dev, "vlance");
	ck_assert_str_eq(cfg.eth[0].connection_type, "nat");
	ck_assert_str_eq(cfg.eth[0].network, "nat");
	ck_assert(!cfg.eth[0].start_connected);
	ck_assert(cfg.eth[0].no_promisc && cfg.eth[0].down_when_addr_mismatch && cfg.eth[0].no_forged_src);
	ck_assert(cfg.eth[0].has_mac);
	ck_assert_uint_eq(cfg.eth[0].mac[3], 0x3f);
	ck_assert_ptr_null(cfg.eth[0].vswitch_socket);
	ck_assert_str_eq(cfg.eth[1].network, "VM Network");
	ck_assert_str_eq(cfg.eth[1].vswitch_socket, "/tmp/sw/pg.sock");
	ck_assert(cfg.eth[1].start_connected);
	ck_assert(!cfg.eth[1].no_promisc && !cfg.eth[1].down_when_addr_mismatch && !cfg.eth[1].no_forged_src);
	ck_assert(cfg.eth[2].present);
	ck_assert_ptr_null(cfg.eth[2].network);
	ck_assert_ptr_null(cfg.eth[2].connection_type);
	vmcfg_fini(&cfg);
	vmx_free(v);
	unlink(path);

	expect_cfg_error("ethernet0.present = \"TRUE\"\nethernet0.connectionType = \"wifi\"\n",
			 ":2: ethernet0.connectionType = \"wifi\" is not supported");
	expect_cfg_error("ethernet0.present = \"TRUE\"\nethernet0.noPromisc = \"maybe\"\n", ":2: ethernet0.noPromisc");
	expect_cfg_error("ethernet0.present = \"TRUE\"\nethernet0.networkName = \"../x\"\n",
			 ":2: ethernet0.networkName");
	expect_cfg_error("ethernet0.present = \"TRUE\"\nethernet0.vswitchSocket = \"/"
			 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			 "\"\n", ":2: ethernet0.vswitchSocket");
	/* The static range ends at 00:50:56:3F:FF:FF. */
	expect_cfg_error("ethernet0.present = \"TRUE\"\nethernet0.addressType = \"static\"\n"
			 "ethernet0.address = \"00:50:56:40:00:00\"\n", "ethernet0.address must be set");
	expect_cfg_error("ethernet0.present = \"TRUE\"\nethernet0.addressType = \"static\"\n"
			 "ethernet0.address = \"00:0c:29:00:00:01\"\n", "ethernet0.address must be set");
}
END_TEST

Suite *vmx_suite(void)
{
	Suite *s = suite_create("vmx");
	TCase *tc = tcase_create("vmx");

	tcase_add_test(tc, parses_vmware_syntax);
	tcase_add_test(tc, duplicate_last_wins);
	tcase_add_test(tc, malformed_lines);
	tcase_add_test(tc, typed_getters);
	tcase_add_test(tc, write_back_keeps_comments);
	tcase_add_test(tc, impossible_machines);
	tcase_add_test(tc, good_machine);
	tcase_add_test(tc, ethernet_keys);
	suite_add_tcase(s, tc);
	return s;
}
