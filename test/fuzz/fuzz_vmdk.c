/* libFuzzer target: open arbitrary bytes as a VMDK and read from it;
 * check it, repair it, and read the repaired file again. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "disk/vmdk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct vmdk *d;
	FILE *f;

	/* A private directory ($FUZZ_VMDK_DIR, else a new one): extent names
	 * in the input resolve inside it, so repairs only touch files the
	 * fuzzer made. */
	if (!path[0]) {
		static char d[] = "/tmp/fuzz_vmdk.XXXXXX";
		const char *env = getenv("FUZZ_VMDK_DIR");
		if (!env && !(env = mkdtemp(d)))
			return 0;
		snprintf(path, sizeof(path), "%s/f.vmdk", env);
	}
	f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (vmdk_open(path, VMDK_RDONLY, &d) == 0) {
		static uint8_t buf[65536];
		uint64_t sz = vmdk_size(d);
		for (uint64_t off = 0; off < sz && off < (64u << 20); off += 1u << 20) {
			uint64_t n = sz - off < sizeof(buf) ? sz - off : sizeof(buf);
			vmdk_pread(d, buf, n, off);
		}
		vmdk_close(d);
	}
	FILE *null = fopen("/dev/null", "w");
	if (null) {
		vmdk_check(path, 0, null);
		if (vmdk_check(path, 1, null) >= 0 && vmdk_open(path, VMDK_RDONLY, &d) == 0) {
			static uint8_t buf[4096];
			uint64_t sz = vmdk_size(d);
			for (uint64_t off = 0; off + sizeof(buf) <= sz && off < (16u << 20); off += 65536)
				vmdk_pread(d, buf, sizeof(buf), off);
			vmdk_close(d);
		}
		fclose(null);
	}
	/* vmdk_check(repair) takes a lock directory next to the file. */
	char lck[80];
	snprintf(lck, sizeof(lck), "%s.lck", path);
	rmdir(lck);
	unlink(path);
	return 0;
}
