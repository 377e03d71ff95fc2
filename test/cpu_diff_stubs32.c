/* Native half of the CPU differential test (test/cpu_diff.c).  Built with
 * gcc -m32 and run as a child process: it reads fixed-size requests on
 * stdin (instruction bytes, the eight GPRs, EFLAGS), executes each
 * instruction on the host CPU in 32-bit mode and writes the resulting GPRs,
 * EFLAGS and whether it raised #DE (SIGFPE) to stdout.
 *
 * Each instruction runs inside a thunk generated into an executable page:
 *     pushad; mov [saved_esp], esp; push [st.fl]; popfd;
 *     mov eax..edi (not esp), [st.r]; <instruction>;
 *     mov [st.r], eax..edi; pushfd; pop [st.fl]; mov esp, [saved_esp];
 *     popad; ret
 * The instructions tested never touch ESP or memory. */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#if !defined(__i386__)
#error "cpu_diff_stubs32.c must be built with -m32"
#endif

/* Must match test/cpu_diff.c. */
struct diff_req {
	uint8_t len;
	uint8_t bytes[15];
	uint32_t r[8];
	uint32_t fl;
};
struct diff_res {
	uint32_t r[8];
	uint32_t fl;
	uint32_t fault;
};

static struct {
	uint32_t r[8];
	uint32_t fl;
	uint32_t saved_esp;
} st;

static sigjmp_buf fpe_jmp;

static void on_fpe(int sig)
{
	(void)sig;
	siglongjmp(fpe_jmp, 1);
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
	return p + 4;
}

/* ModRM "disp32 only" with the register field r: 00 r 101. */
static uint8_t *abs_op(uint8_t *p, uint8_t opc, unsigned r, const void *addr)
{
	*p++ = opc;
	*p++ = (uint8_t)(0x05 | r << 3);
	return put32(p, (uint32_t)(uintptr_t)addr);
}

static void build(uint8_t *p, const struct diff_req *q)
{
	static const unsigned regs[] = { 0, 1, 2, 3, 5, 6, 7 };   /* not ESP */
	unsigned k;

	*p++ = 0x60;                                     /* pushad */
	p = abs_op(p, 0x89, 4, &st.saved_esp);           /* mov [saved], esp */
	p = abs_op(p, 0xff, 6, &st.fl);                  /* push dword [st.fl] */
	*p++ = 0x9d;                                     /* popfd */
	for (k = 0; k < 7; k++)
		p = abs_op(p, 0x8b, regs[k], &st.r[regs[k]]);  /* mov reg, [st.r] */
	memcpy(p, q->bytes, q->len);
	p += q->len;
	for (k = 0; k < 7; k++)
		p = abs_op(p, 0x89, regs[k], &st.r[regs[k]]);  /* mov [st.r], reg */
	*p++ = 0x9c;                                     /* pushfd */
	p = abs_op(p, 0x8f, 0, &st.fl);                  /* pop dword [st.fl] */
	p = abs_op(p, 0x8b, 4, &st.saved_esp);           /* mov esp, [saved] */
	*p++ = 0x61;                                     /* popad */
	*p = 0xc3;                                       /* ret */
}

/* Runs one request in the thunk. */
static void run(uint8_t *code, const struct diff_req *q, struct diff_res *r)
{
	build(code, q);
	memcpy(st.r, q->r, sizeof(st.r));
	/* Only the arithmetic flags come from the request (no TF, DF, AC). */
	st.fl = (q->fl & 0x8d5u) | 2u;
	memset(r, 0, sizeof(*r));
	if (sigsetjmp(fpe_jmp, 1) == 0) {
		((void (*)(void))code)();
		memcpy(r->r, st.r, sizeof(r->r));
		r->r[4] = q->r[4];
		r->fl = st.fl;
	} else {
		memcpy(r->r, q->r, sizeof(r->r));
		r->fl = q->fl;
		r->fault = 1;
	}
}

int main(void)
{
	struct sigaction sa;
	struct diff_req q;
	struct diff_res r;
	uint8_t *code;
	uint32_t n;

	code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fpe;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGFPE, &sa, NULL);
	while (fread(&n, sizeof(n), 1, stdin) == 1) {
		for (; n; n--) {
			if (fread(&q, sizeof(q), 1, stdin) != 1 || q.len == 0 || q.len > 15)
				return 2;
			run(code, &q, &r);
			if (fwrite(&r, sizeof(r), 1, stdout) != 1)
				return 2;
		}
		if (fflush(stdout))
			return 2;
	}
	return 0;
}

