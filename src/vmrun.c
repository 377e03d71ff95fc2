/* vmrun: VMware's command shape, `vmrun [-T ws] COMMAND [PARAMETERS]`, and
 * the short form `vmrun guest.vmx [gui|nogui]`.  Errors are printed as
 * "Error: <message>" with a non-zero exit status, as VMware's vmrun does.
 *
 * A running VM is one process: its vCPU thread runs machine_run(); its main
 * thread runs a libuv loop with the control socket (vmctl.c), the timeout
 * and signals. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uv.h>

#include "log.h"
#include "machine.h"
#ifdef HAVE_SDL
#include "gui/console.h"
#endif
#include "vmconfig.h"
#include "vmctl.h"
#include "vmx.h"

/* Exit statuses, documented in vmrun(1).  A guest's exit-port value is
 * passed through as is. */
enum {
	VMRUN_OK = 0,
	VMRUN_ERR_USAGE = 1,
	VMRUN_ERR_CONFIG = 2,
	VMRUN_ERR_UNSUPPORTED = 3,
	VMRUN_ERR_VMM = 4,
	VMRUN_TRIPLE_FAULT = 5,
	VMRUN_GUEST_RESET = 6,
	VMRUN_ERR_NOT_RUNNING = 7,
	VMRUN_TIMEOUT = 124,
	VMRUN_SIGNAL_BASE = 128,
};

/* What the detached child writes on its status pipe once the VM runs. */
#define READY_MARK "\001hostvm-ready\n"
/* ... or, when it could not start, its exit status. */
#define STATUS_MARK "\001hostvm-status "

struct run_opts {
	double timeout;       /* seconds, 0 = none */
	bool serial_stdio;
	bool stats;
	bool no_reboot;
	bool foreground;      /* `start` without detaching */
};

static void usage(FILE *out)
{
	fputs("Usage: vmrun [-T ws] [OPTIONS] COMMAND [PARAMETERS]\n"
	      "       vmrun [OPTIONS] guest.vmx [gui|nogui]\n"
	      "\n"
	      "Commands:\n"
	      "  start guest.vmx [gui|nogui]          power on the VM in the background\n"
	      "  stop guest.vmx [hard|soft]           power off a running VM\n"
	      "  reset guest.vmx [hard|soft]          reset a running VM\n"
	      "  captureScreen guest.vmx FILE         save the screen (PNG, or text for FILE.txt)\n"
	      "  list                                 list the running VMs\n"
	      "  validate guest.vmx                   check a .vmx and print what the VM contains\n"
	      "\n"
	      "Options:\n"
	      "  -T ws              host type (only ws, VMware Workstation's, is accepted)\n"
	      "  --foreground       start: run in the foreground instead of detaching\n"
	      "  --timeout SECONDS  power the VM off after SECONDS (exit status 124)\n"
	      "  --serial-stdio     connect serial0 (COM1) to this terminal (foreground)\n"
	      "  --no-reboot        end the VM when the guest resets or triple-faults\n"
	      "  --stats            print CPU counters when the VM ends\n"
	      "  -h, --help         show this help\n"
	      "  -V, --version      show the version\n"
	      "\n"
	      "See vmrun(1) and vmx(5).\n", out);
}

static int fail(int status, const char *fmt, const char *arg)
{
	fputs("Error: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return status;
}

/* Loads and checks path; on success cfg is filled and v must be freed. */
static int load(const char *path, struct vmx **v, struct vmcfg *cfg)
{
	char err[600];

	if (vmx_load(path, v, err, sizeof(err)))
		return fail(VMRUN_ERR_CONFIG, "%s", err);
	if (vmcfg_from_vmx(*v, cfg)) {
		fail(VMRUN_ERR_CONFIG, "%s", vmx_error(*v));
		vmcfg_fini(cfg);
		vmx_free(*v);
		*v = NULL;
		return VMRUN_ERR_CONFIG;
	}
	return VMRUN_OK;
}

/* The .vmx's absolute path: how the control socket names a VM. */
static int abs_vmx(const char *path, char *out)
{
	if (!realpath(path, out))
		return fail(VMRUN_ERR_CONFIG, "cannot open %s", path);
	return VMRUN_OK;
}

static int cmd_validate(const char *path)
{
	struct vmx *v;
	struct vmcfg cfg;
	int st = load(path, &v, &cfg);

	if (st)
		return st;
	log_set_level(LOG_INFO); /* validate lists unknown keys */
	vmx_report_unknown(v, vmcfg_known_keys);
	vmcfg_describe(&cfg, stdout);
	vmcfg_fini(&cfg);
	vmx_free(v);
	return VMRUN_OK;
}

/* ---- running a VM ---------------------------------------------------- */

struct vm {
	struct machine *m;
	const char *vmx;
	uv_loop_t loop;
	uv_async_t ended;
	uv_timer_t timeout;
	uv_signal_t sig[3];
	struct vmctl_server *ctl;
	pthread_t vcpu;
	enum machine_end end;
	int signal;
	volatile bool done;   /* the VM ended (main thread) */
};

static void *vcpu_main(void *opaque)
{
	struct vm *vm = opaque;

	vm->end = machine_run(vm->m);
	uv_async_send(&vm->ended);
	return NULL;
}

static void on_ended(uv_async_t *a)
{
	struct vm *vm = a->data;

	vm->done = true;
	vmctl_server_close(vm->ctl);
	vm->ctl = NULL;
	uv_close((uv_handle_t *)&vm->ended, NULL);
	uv_close((uv_handle_t *)&vm->timeout, NULL);
	for (int i = 0; i < 3; i++)
		uv_close((uv_handle_t *)&vm->sig[i], NULL);
}

static void on_timeout(uv_timer_t *t)
{
	struct vm *vm = t->data;

	log_warn("vmrun", "timeout: powering the VM off");
	machine_request(vm->m, MACHINE_REQ_TIMEOUT);
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct vm *vm = s->data;

	log_info("vmrun", "signal %d: powering the VM off", signum);
	vm->signal = signum;
	machine_request(vm->m, MACHINE_REQ_STOP);
}

static void append(char *reply, size_t len, const char *fmt, unsigned long long v)
{
	size_t n = strlen(reply);

	if (n < len)
		snprintf(reply + n, len - n, fmt, v);
}

static void format_stats(struct machine *m, char *out, size_t len)
{
	struct cpu_stats s;
	uint64_t resets;

	machine_stats(m, &s, &resets);
	out[0] = 0;
	append(out, len, "instructions: %llu\n", s.insns);
	append(out, len, "TUs translated: %llu\n", s.tus_translated);
	append(out, len, "TU lookups: %llu\n", s.tu_lookups);
	append(out, len, "TU hits: %llu\n", s.tu_hits);
	if (s.tu_lookups) {
		size_t n = strlen(out);
		snprintf(out + n, len - n, "TU hit rate: %.2f%%\n", 100.0 * (double)s.tu_hits / (double)s.tu_lookups);
	} else {
		size_t n = strlen(out);
		snprintf(out + n, len - n, "TU hit rate: n/a\n");
	}
	append(out, len, "SMC invalidations: %llu\n", s.smc_invalidations);
	append(out, len, "exceptions: %llu\n", s.exceptions);
	append(out, len, "interrupts: %llu\n", s.interrupts);
	append(out, len, "resets: %llu\n", resets);
}

/* Control-socket commands (main thread).  State changes are audited in
 * the VM's log. */
static void on_control(void *opaque, const char *cmd, const char *arg, char *reply, size_t len)
{
	struct vm *vm = opaque;
	int r;

	if (!strcmp(cmd, "info")) {
		snprintf(reply, len, "ok %s\n", vm->vmx);
	} else if (!strcmp(cmd, "stop") || !strcmp(cmd, "reset")) {
		bool soft = !strcasecmp(arg, "soft");
		if (*arg && !soft && strcasecmp(arg, "hard")) {
			snprintf(reply, len, "error %s takes hard or soft\n", cmd);
			return;
		}
		log_info("vmctl", "audit: %s %s requested over the control socket", cmd, soft ? "soft" : "hard");
		if (!strcmp(cmd, "stop"))
			machine_request(vm->m, soft ? MACHINE_REQ_SOFT_STOP : MACHINE_REQ_STOP);
		else
			machine_request(vm->m, MACHINE_REQ_RESET);
		snprintf(reply, len, "ok\n");
	} else if (!strcmp(cmd, "capture")) {
		if (arg[0] != '/') {
			snprintf(reply, len, "error capture needs an absolute path\n");
			return;
		}
		log_info("vmctl", "audit: captureScreen to %s", arg);
		r = machine_capture(vm->m, arg);
		if (r == -ENOTSUP)
			snprintf(reply, len, "error the display is in a graphics mode: no text to capture\n");
		else if (r < 0)
			snprintf(reply, len, "error cannot capture the screen to %s: %s\n", arg, strerror(-r));
		else
			snprintf(reply, len, "ok\n");
	} else if (!strcmp(cmd, "stats")) {
		char *s = malloc(len);
		if (!s) {
			snprintf(reply, len, "error out of memory\n");
			return;
		}
		format_stats(vm->m, s, len - 4);
		snprintf(reply, len, "ok\n%s", s);
		free(s);
	} else {
		snprintf(reply, len, "error unknown command \"%s\"\n", cmd);
	}
}

static int end_status(const struct vm *vm)
{
	switch (vm->end) {
	case MACHINE_END_POWEROFF:
		return VMRUN_OK;
	case MACHINE_END_GUEST_EXIT:
		return machine_exit_code(vm->m) & 0xff;
	case MACHINE_END_STOP:
		return vm->signal ? VMRUN_SIGNAL_BASE + vm->signal : VMRUN_OK;
	case MACHINE_END_TIMEOUT:
		return VMRUN_TIMEOUT;
	case MACHINE_END_RESET:
		return VMRUN_GUEST_RESET;
	case MACHINE_END_TRIPLE_FAULT:
		return VMRUN_TRIPLE_FAULT;
	default:
		return VMRUN_ERR_VMM;
	}
}

static const char *const end_names[] = {
	[MACHINE_END_NONE] = "running", [MACHINE_END_POWEROFF] = "powered off",
	[MACHINE_END_GUEST_EXIT] = "exit port", [MACHINE_END_STOP] = "stopped",
	[MACHINE_END_TIMEOUT] = "timeout", [MACHINE_END_RESET] = "guest reset (--no-reboot)",
	[MACHINE_END_TRIPLE_FAULT] = "triple fault (--no-reboot)", [MACHINE_END_ERROR] = "VMM error",
};

/* Tells the parent of a detached VM that it runs (*ready_fd >= 0). */
static void signal_ready(int *ready_fd)
{
	int fd;

	if (*ready_fd < 0)
		return;
	if (write(*ready_fd, READY_MARK, sizeof(READY_MARK) - 1) < 0)
		log_warn("vmrun", "cannot tell the parent that the VM runs");
	close(*ready_fd);
	*ready_fd = -1;
	/* From now on nobody reads our stderr. */
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
}

/* Whether to show the console window: "gui" asks for it, "nogui" not;
 * without a mode (VMware's default is gui) only when a display is there. */
static bool want_gui(const char *mode)
{
#ifdef HAVE_SDL
	if (mode && !strcasecmp(mode, "nogui"))
		return false;
	if (!mode && !getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY"))
		return false;
	if (!gui_available()) {
		if (mode)
			log_warn("vmrun", "cannot open a console window: running headless");
		return false;
	}
	return true;
#else
	if (mode && !strcasecmp(mode, "gui"))
		log_info("vmrun", "this build has no console window: running headless");
	return false;
#endif
}

/* Powers the VM on and runs it until it ends; ready_fd points to the status
 * pipe when detached (set to -1 once the parent has been told), else NULL. */
static int run_vm(const char *path, const char *mode, const struct run_opts *o, int *ready_fd)
{
	struct machine_opts mo = { 0 };
	struct log_config lc = { 0 };
	char absvmx[PATH_MAX], err[1024];
	struct vmx *v;
	struct vmcfg cfg;
	struct vm vm;
	bool changed, gui;
	int st, r;

	if (mode && strcasecmp(mode, "gui") && strcasecmp(mode, "nogui"))
		return fail(VMRUN_ERR_USAGE, "unknown mode \"%s\" (gui or nogui)", mode);
	if ((st = abs_vmx(path, absvmx)))
		return st;
	st = load(path, &v, &cfg);
	if (st)
		return st;
	if (vmctl_running(absvmx)) {
		st = fail(VMRUN_ERR_CONFIG, "the virtual machine %s is already running", absvmx);
		goto out_cfg;
	}
	if (vmcfg_generate(v, &cfg, &changed) || (changed && vmx_save(v))) {
		st = fail(VMRUN_ERR_CONFIG, "%s", vmx_error(v));
		goto out_cfg;
	}
	lc.path = cfg.log_file;
	lc.rotate_size = cfg.log_rotate_size;
	lc.keep_old = cfg.log_keep_old;
	lc.guest_disabled = cfg.guest_log_disabled;
	if (log_open(&lc)) {
		st = fail(VMRUN_ERR_CONFIG, "cannot open the log %s", cfg.log_file);
		goto out_cfg;
	}
	log_set_level(LOG_INFO);
	log_info("vmx", "%s %s: powering on %s (\"%s\", %llu MB)", PACKAGE_NAME, PACKAGE_VERSION,
		 absvmx, cfg.display_name, (unsigned long long)(cfg.mem_bytes >> 20));
	vmx_report_unknown(v, vmcfg_known_keys);
	gui = want_gui(mode);
	signal(SIGPIPE, SIG_IGN);  /* a serial or control peer may go away */
	mo.serial_stdio = o->serial_stdio;
	mo.no_reboot = o->no_reboot;
	if ((r = machine_create(&cfg, &mo, &vm.m, err, sizeof(err))) < 0) {
		log_info("vmrun", "power-on failed: %s", err);
		st = fail(r == -ENOMEM || r == -EBUSY ? VMRUN_ERR_VMM : VMRUN_ERR_CONFIG, "%s", err);
		goto out_log;
	}
	vm.vmx = absvmx;
	vm.ctl = NULL;
	vm.signal = 0;
	vm.end = MACHINE_END_NONE;
	vm.done = false;
	uv_loop_init(&vm.loop);
	if ((r = vmctl_server_start(&vm.loop, absvmx, on_control, &vm, &vm.ctl)) < 0) {
		char dir[256];
		if (r == -EPERM && vmctl_runtime_dir(dir, sizeof(dir), false) == 0)
			st = fail(VMRUN_ERR_VMM, "the runtime directory %s must be a directory of yours "
				  "that only you can access (mode 0700)", dir);
		else
			st = fail(r == -EADDRINUSE ? VMRUN_ERR_CONFIG : VMRUN_ERR_VMM,
				  "cannot open the control socket: %s", uv_strerror(r));
		uv_run(&vm.loop, UV_RUN_NOWAIT);
		uv_loop_close(&vm.loop);
		machine_destroy(vm.m);
		goto out_log;
	}
	uv_async_init(&vm.loop, &vm.ended, on_ended);
	vm.ended.data = &vm;
	uv_timer_init(&vm.loop, &vm.timeout);
	vm.timeout.data = &vm;
	if (o->timeout > 0)
		uv_timer_start(&vm.timeout, on_timeout, (uint64_t)(o->timeout * 1000.0), 0);
	{
		static const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };
		for (int i = 0; i < 3; i++) {
			uv_signal_init(&vm.loop, &vm.sig[i]);
			vm.sig[i].data = &vm;
			uv_signal_start(&vm.sig[i], on_signal, sigs[i]);
		}
	}
	if (pthread_create(&vm.vcpu, NULL, vcpu_main, &vm)) {
		st = fail(VMRUN_ERR_VMM, "%s", "cannot start the vCPU thread");
		on_ended(&vm.ended);
		uv_run(&vm.loop, UV_RUN_DEFAULT);
		uv_loop_close(&vm.loop);
		machine_destroy(vm.m);
		goto out_log;
	}
	log_info("vmrun", "the VM is running");
	if (ready_fd)
		signal_ready(ready_fd);
#ifdef HAVE_SDL
	if (gui)
		gui_run(vm.m, &vm.loop, cfg.display_name, &vm.done);
#else
	(void)gui;
#endif
	uv_run(&vm.loop, UV_RUN_DEFAULT);
	pthread_join(vm.vcpu, NULL);
	uv_loop_close(&vm.loop);
	st = end_status(&vm);
	log_info("vmrun", "the VM ended: %s (exit status %d)", end_names[vm.end], st);
	if (o->stats) {
		char s[1024];
		format_stats(vm.m, s, sizeof(s));
		fputs(s, stderr);
	}
	machine_destroy(vm.m);
out_log:
	log_close();
out_cfg:
	vmcfg_fini(&cfg);
	vmx_free(v);
	return st;
}

/* `vmrun start`: forks a detached VM process and returns once it runs, or
 * with the child's error and exit status. */
static int start_detached(const char *path, const char *mode, const struct run_opts *o)
{
	char buf[4096];
	size_t n = 0;
	int pfd[2], status;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return fail(VMRUN_ERR_VMM, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return fail(VMRUN_ERR_VMM, "fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		close(pfd[0]);
		setsid();
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			close(null);
		}
		dup2(pfd[1], STDERR_FILENO);   /* errors before "ready" reach the parent */
		/* A second fork: the VM is not a session leader, so it never
		 * gets a controlling terminal back. */
		pid = fork();
		if (pid < 0)
			_exit(VMRUN_ERR_VMM);
		if (pid > 0)
			_exit(0);
		int fd = pfd[1];
		int st = run_vm(path, mode, o, &fd);
		if (fd >= 0)
			dprintf(fd, STATUS_MARK "%d\n", st);
		_exit(st);
	}
	close(pfd[1]);
	waitpid(pid, &status, 0);  /* the intermediate child exits at once */
	for (;;) {
		ssize_t r = read(pfd[0], buf + n, sizeof(buf) - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == sizeof(buf) - 1)
			break;
	}
	close(pfd[0]);
	buf[n] = 0;
	char *mark = strstr(buf, READY_MARK);
	if (mark) {
		fwrite(buf, 1, (size_t)(mark - buf), stderr);
		return VMRUN_OK;
	}
	mark = strstr(buf, STATUS_MARK);
	if (!mark) {
		fputs(buf, stderr);
		return fail(VMRUN_ERR_VMM, "%s", "the VM process ended before it ran");
	}
	fwrite(buf, 1, (size_t)(mark - buf), stderr);
	status = atoi(mark + strlen(STATUS_MARK));
	return status ? status : VMRUN_ERR_VMM;
}

/* ---- commands for a running VM ------------------------------------- */

static int control(const char *path, const char *line, char *reply, size_t len)
{
	char absvmx[PATH_MAX];
	int st, r;

	if ((st = abs_vmx(path, absvmx)))
		return st;
	r = vmctl_call(absvmx, line, reply, len);
	if (r == -ENOENT || r == -ECONNREFUSED)
		return fail(VMRUN_ERR_NOT_RUNNING, "the virtual machine %s is not running", absvmx);
	if (r < 0)
		return fail(VMRUN_ERR_VMM, "cannot reach the virtual machine: %s", strerror(-r));
	if (strncmp(reply, "ok", 2)) {
		reply[strcspn(reply, "\n")] = 0;
		return fail(VMRUN_ERR_VMM, "%s", !strncmp(reply, "error ", 6) ? reply + 6 : reply);
	}
	return VMRUN_OK;
}

static int cmd_stop_reset(const char *cmd, const char *path, const char *how)
{
	char line[64], reply[VMCTL_LINE_MAX], absvmx[PATH_MAX];
	int st;

	if (how && strcasecmp(how, "hard") && strcasecmp(how, "soft"))
		return fail(VMRUN_ERR_USAGE, "unknown mode \"%s\" (hard or soft)", how);
	snprintf(line, sizeof(line), "%s %s\n", cmd, how ? how : "hard");
	if ((st = control(path, line, reply, sizeof(reply))))
		return st;
	if (strcmp(cmd, "stop") || !realpath(path, absvmx))
		return VMRUN_OK;
	/* Like VMware's vmrun, stop returns once the VM is off. */
	for (int i = 0; i < 200 && vmctl_running(absvmx); i++)
		usleep(50000);
	return vmctl_running(absvmx) ? fail(VMRUN_ERR_VMM, "%s is still running", absvmx) : VMRUN_OK;
}

static int cmd_capture(const char *path, const char *file)
{
	char line[PATH_MAX + 16], reply[VMCTL_LINE_MAX], dir[PATH_MAX], *copy, *base;

	copy = strdup(file);
	if (!copy)
		return VMRUN_ERR_VMM;
	if (!realpath(dirname(copy), dir)) {
		free(copy);
		return fail(VMRUN_ERR_USAGE, "cannot write %s: no such directory", file);
	}
	free(copy);
	copy = strdup(file);
	if (!copy)
		return VMRUN_ERR_VMM;
	base = basename(copy);
	snprintf(line, sizeof(line), "capture %s/%s\n", dir, base);
	free(copy);
	return control(path, line, reply, sizeof(reply));
}

static void print_vm(void *opaque, const char *vmx)
{
	char ***list = opaque;
	size_t n = 0;

	while ((*list)[n])
		n++;
	char **grown = realloc(*list, (n + 2) * sizeof(char *));
	if (!grown)
		return;
	grown[n] = strdup(vmx);
	grown[n + 1] = NULL;
	*list = grown;
}

static int cmd_list(void)
{
	char **list = calloc(1, sizeof(char *));
	int n, count = 0;

	if (!list)
		return VMRUN_ERR_VMM;
	n = vmctl_list(print_vm, &list);
	if (n < 0) {
		free(list);
		return fail(VMRUN_ERR_VMM, "cannot list running VMs: %s", strerror(-n));
	}
	while (list[count])
		count++;
	printf("Total running VMs: %d\n", count);
	for (int i = 0; i < count; i++) {
		puts(list[i]);
		free(list[i]);
	}
	free(list);
	return VMRUN_OK;
}

static int cmd_stats(const char *path)
{
	char reply[VMCTL_LINE_MAX];
	int st = control(path, "stats\n", reply, sizeof(reply));

	if (!st)
		fputs(reply + strcspn(reply, "\n") + 1, stdout);
	return st;
}

static bool is_vmx(const char *arg)
{
	size_t n = strlen(arg);

	return n > 4 && !strcasecmp(arg + n - 4, ".vmx");
}

int main(int argc, char **argv)
{
	enum { OPT_TIMEOUT = 256, OPT_SERIAL_STDIO, OPT_STATS, OPT_NO_REBOOT, OPT_FOREGROUND };
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "serial-stdio", no_argument, NULL, OPT_SERIAL_STDIO },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "no-reboot", no_argument, NULL, OPT_NO_REBOOT },
		{ "foreground", no_argument, NULL, OPT_FOREGROUND },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts o = { 0 };
	const char *cmd;
	char *end;
	int c, nargs;

	log_set_level(LOG_WARN);
	while ((c = getopt_long(argc, argv, "+T:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'T':
			if (strcasecmp(optarg, "ws"))
				return fail(VMRUN_ERR_USAGE, "unsupported host type \"%s\" (only ws)", optarg);
			break;
		case 'h':
			usage(stdout);
			return VMRUN_OK;
		case 'V':
			printf("vmrun (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return VMRUN_OK;
		case OPT_TIMEOUT:
			errno = 0;
			o.timeout = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o.timeout > 0) || o.timeout > 1e7)
				return fail(VMRUN_ERR_USAGE, "--timeout \"%s\": give a number of seconds", optarg);
			break;
		case OPT_SERIAL_STDIO:
			o.serial_stdio = true;
			break;
		case OPT_STATS:
			o.stats = true;
			break;
		case OPT_NO_REBOOT:
			o.no_reboot = true;
			break;
		case OPT_FOREGROUND:
			o.foreground = true;
			break;
		default:
			usage(stderr);
			return VMRUN_ERR_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return VMRUN_ERR_USAGE;
	}
	cmd = argv[optind];
	nargs = argc - optind - 1;
	char **a = argv + optind + 1;
	if (is_vmx(cmd)) {
		if (nargs > 1)
			return fail(VMRUN_ERR_USAGE, "too many parameters after %s", cmd);
		return run_vm(cmd, nargs == 1 ? a[0] : NULL, &o, NULL);
	}
	if (!strcasecmp(cmd, "validate")) {
		if (nargs != 1)
			return fail(VMRUN_ERR_USAGE, "%s", "usage: vmrun validate guest.vmx");
		return cmd_validate(a[0]);
	}
	if (!strcasecmp(cmd, "start")) {
		if (nargs < 1 || nargs > 2)
			return fail(VMRUN_ERR_USAGE, "%s", "usage: vmrun start guest.vmx [gui|nogui]");
		if (o.foreground)
			return run_vm(a[0], nargs == 2 ? a[1] : NULL, &o, NULL);
		if (o.serial_stdio)
			return fail(VMRUN_ERR_USAGE, "%s", "--serial-stdio needs --foreground");
		return start_detached(a[0], nargs == 2 ? a[1] : NULL, &o);
	}
	if (!strcasecmp(cmd, "stop") || !strcasecmp(cmd, "reset")) {
		if (nargs < 1 || nargs > 2)
			return fail(VMRUN_ERR_USAGE, "usage: vmrun %s guest.vmx [hard|soft]", cmd);
		return cmd_stop_reset(!strcasecmp(cmd, "stop") ? "stop" : "reset", a[0],
				      nargs == 2 ? a[1] : NULL);
	}
	if (!strcasecmp(cmd, "captureScreen")) {
		if (nargs != 2)
			return fail(VMRUN_ERR_USAGE, "%s", "usage: vmrun captureScreen guest.vmx FILE");
		return cmd_capture(a[0], a[1]);
	}
	if (!strcasecmp(cmd, "list")) {
		if (nargs != 0)
			return fail(VMRUN_ERR_USAGE, "%s", "usage: vmrun list");
		return cmd_list();
	}
	if (!strcasecmp(cmd, "stats")) {
		if (nargs != 1)
			return fail(VMRUN_ERR_USAGE, "%s", "usage: vmrun stats guest.vmx");
		return cmd_stats(a[0]);
	}
	return fail(VMRUN_ERR_USAGE, "unknown command \"%s\" (see vmrun --help)", cmd);
}
