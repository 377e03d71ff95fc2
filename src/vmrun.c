/* vmrun: VMware's command shape, `vmrun [-T ws] COMMAND [PARAMETERS]`, and
 * the short form `vmrun guest.vmx [gui|nogui]`.  Errors are printed as
 * "Error: <message>" with a non-zero exit status, as VMware's vmrun does. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "vmconfig.h"
#include "vmx.h"

/* Exit statuses, documented in vmrun(1). */
enum {
	VMRUN_OK = 0,
	VMRUN_ERR_USAGE = 1,
	VMRUN_ERR_CONFIG = 2,
	VMRUN_ERR_UNSUPPORTED = 3,
};

static void usage(FILE *out)
{
	fputs("Usage: vmrun [-T ws] COMMAND [PARAMETERS]\n"
	      "       vmrun guest.vmx [gui|nogui]\n"
	      "\n"
	      "Commands:\n"
	      "  start guest.vmx [gui|nogui]   power on the virtual machine\n"
	      "  validate guest.vmx            check a .vmx and print what the VM contains\n"
	      "\n"
	      "Options:\n"
	      "  -T ws          host type (only ws, VMware Workstation's, is accepted)\n"
	      "  -h, --help     show this help\n"
	      "  -V, --version  show the version\n"
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

static int cmd_start(const char *path, const char *mode)
{
	struct vmx *v;
	struct vmcfg cfg;
	int st;

	if (mode && strcasecmp(mode, "gui") && strcasecmp(mode, "nogui"))
		return fail(VMRUN_ERR_USAGE, "unknown mode \"%s\" (gui or nogui)", mode);
	struct log_config lc = { 0 };
	bool changed;

	st = load(path, &v, &cfg);
	if (st)
		return st;
	/* Power-on, as far as this build goes: generated values are written
	 * back to the .vmx and the VM's log is started. */
	if (vmcfg_generate(v, &cfg, &changed) || (changed && vmx_save(v))) {
		st = fail(VMRUN_ERR_CONFIG, "%s", vmx_error(v));
		goto out;
	}
	lc.path = cfg.log_file;
	lc.rotate_size = cfg.log_rotate_size;
	lc.keep_old = cfg.log_keep_old;
	lc.guest_disabled = cfg.guest_log_disabled;
	if (log_open(&lc)) {
		st = fail(VMRUN_ERR_CONFIG, "cannot open the log %s", cfg.log_file);
		goto out;
	}
	log_set_level(LOG_INFO);
	log_info("vmx", "%s %s: powering on %s (\"%s\", %llu MB)", PACKAGE_NAME, PACKAGE_VERSION,
		 path, cfg.display_name, (unsigned long long)(cfg.mem_bytes >> 20));
	vmx_report_unknown(v, vmcfg_known_keys);
	log_err("vmx", "this build has no virtual CPU; power-on stops here");
	log_close();
	st = VMRUN_ERR_UNSUPPORTED;
out:
	vmcfg_fini(&cfg);
	vmx_free(v);
	if (st != VMRUN_ERR_UNSUPPORTED)
		return st;
	/* The machine (CPU and platform) is not assembled in this version:
	 * say so plainly rather than pretend. */
	return fail(VMRUN_ERR_UNSUPPORTED, "cannot power on %s: this build of vmrun has no virtual CPU yet "
		    "(use \"vmrun validate\" to check the configuration)", path);
}

static bool is_vmx(const char *arg)
{
	size_t n = strlen(arg);

	return n > 4 && !strcasecmp(arg + n - 4, ".vmx");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd;
	int c;

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
	if (is_vmx(cmd)) {
		if (argc - optind > 2)
			return fail(VMRUN_ERR_USAGE, "too many parameters after %s", cmd);
		return cmd_start(cmd, argc - optind == 2 ? argv[optind + 1] : NULL);
	}
	if (!strcasecmp(cmd, "validate")) {
		if (argc - optind != 2)
			return fail(VMRUN_ERR_USAGE, "%s", "usage: vmrun validate guest.vmx");
		return cmd_validate(argv[optind + 1]);
	}
	if (!strcasecmp(cmd, "start")) {
		if (argc - optind < 2 || argc - optind > 3)
			return fail(VMRUN_ERR_USAGE, "%s", "usage: vmrun start guest.vmx [gui|nogui]");
		return cmd_start(argv[optind + 1], argc - optind == 3 ? argv[optind + 2] : NULL);
	}
	return fail(VMRUN_ERR_USAGE, "unknown command \"%s\" (see vmrun --help)", cmd);
}
