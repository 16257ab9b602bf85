/* lxloginctl.c - the admin's tool: check the policy, show a user's effective policy. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "admin.h"
#include "core.h"
#include "image.h"
#include "policy.h"

/* Exit codes, as lxloginctl(8) documents them. */
enum {
	EXIT_OK = 0,
	EXIT_PROBLEMS = 1, /* policy check found problems; policy show: the user would be refused */
	EXIT_USAGE = 2,	   /* bad command line, unknown user, or the command could not run */
};

static const char usage[] =
	"Usage: lxloginctl [--config-dir DIR] policy check\n"
	"       lxloginctl [--config-dir DIR] policy show USER\n"
	"       lxloginctl list [--json]\n"
	"       lxloginctl start|stop|restart|status USER\n"
	"       lxloginctl exec [--root] USER -- CMD [ARG...]\n"
	"       lxloginctl reset [--yes] [--delete] USER\n"
	"       lxloginctl destroy [--yes] USER\n"
	"       lxloginctl reap\n"
	"       lxloginctl doctor [--fix] [--sshd-config FILE]\n"
	"       lxloginctl subid assign USER\n"
	"       lxloginctl [--config-dir DIR] network setup|teardown\n"
	"       lxloginctl network show\n"
	"       lxloginctl network release USER\n"
	"       lxloginctl image build debian [--minimal] [--suite SUITE] [--packages A,B] [--mirror URL] NAME\n"
	"       lxloginctl image build busybox NAME\n"
	"       lxloginctl image import DIR|TARBALL|- NAME\n"
	"       lxloginctl image list\n"
	"       lxloginctl image publish NAME\n"
	"       lxloginctl image remove [--force] NAME\n"
	"       lxloginctl --help | --version\n"
	"\n"
	"  policy check       validate every policy file; print each problem as\n"
	"                     file:line: key: why; exit 1 if there is any\n"
	"  policy show USER   whether USER is contained, exempt or refused, and why;\n"
	"                     for a contained user every effective value with its\n"
	"                     source file:line (or default)\n"
	"  list               every user's container: state, image, init, memory and\n"
	"                     pids against limits, sessions, uptime (--json: for scripts)\n"
	"  start USER         start USER's container (nothing if it runs)\n"
	"  stop USER          stop it, remove its cgroup; the user's layer stays\n"
	"  restart USER       stop, then start\n"
	"  status USER        'running PID' or 'stopped', then usage, sessions, idle\n"
	"                     time, cgroups, paths and the last start error\n"
	"  exec USER -- CMD   run CMD inside as the user (--root: as root inside)\n"
	"  reset USER         stop USER's container and archive their layer (with\n"
	"                     --delete: delete it); asks first unless --yes\n"
	"  destroy USER       stop and delete the container, layer and runtime state;\n"
	"                     the account stays; asks first unless --yes\n"
	"  reap               stop containers idle longer than their idle_stop (run\n"
	"                     every minute by lxlogin-reap.timer or cron)\n"
	"  doctor             list what a crash or reboot left (mounts, empty cgroups,\n"
	"                     unheld locks); --fix removes it. Touches nothing else.\n"
	"                     Then ways out of the container through sshd's config\n"
	"                     (FILE, default /etc/ssh/sshd_config), which it only reports\n"
	"  subid assign USER  give USER a free subordinate uid/gid range (usermod)\n"
	"  network setup      make the lxlogin bridge (lxlogin.conf's bridge, subnet)\n"
	"                     with VLAN filtering, and NAT out if nat = yes; again\n"
	"                     after every boot (lxlogin-network.service)\n"
	"  network teardown   remove the bridge and the NAT table; leases stay\n"
	"  network show       each lease: user, IPv4, MAC, VLAN, veth, attached\n"
	"  network release U  give stopped user U's address back to the pool\n"
	"  image build        make an image: Debian (debootstrap from this machine's\n"
	"                     apt mirror, systemd as init, the tools of a server;\n"
	"                     --minimal: what logins need only) or a tiny busybox one\n"
	"  image import       an image from a rootfs directory or tarball (- : stdin)\n"
	"  image list         name, distribution, size, build date, users\n"
	"  image publish NAME backend = lxd: the image into LXD as lxlogin/NAME\n"
	"  image remove NAME  refused while a container runs on it, and while users'\n"
	"                     layers were made on it unless --force\n"
	"  --config-dir DIR   use the policy in DIR instead of " LXLOGIN_CONFIG_DIR "\n"
	"\n"
	"Exit status: 0 success, 1 policy problems (or USER would be refused),\n"
	"2 usage error or the command could not run. See lxloginctl(8).\n";

/*
 * policy check's warning, not a problem of the file: an image it names (or,
 * for lxlogin.conf, the default it leaves) that is not installed. The
 * users' logins fail until it is.
 */
static void image_installed_check(const struct policy_file *f, void *arg)
{
	size_t *warnings = arg;
	char path[sizeof(LXLOGIN_STATE_DIR) + POLICY_IMAGE_MAX + 32], where[600];
	struct stat st;

	if (!f->line[POLICY_IMAGE] && f->scope != POLICY_SCOPE_GLOBAL)
		return;
	snprintf(path, sizeof(path), "%s/images/%s/rootfs", LXLOGIN_STATE_DIR, f->values.image);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return;
	if (f->line[POLICY_IMAGE])
		snprintf(where, sizeof(where), "%s:%u: image", f->path, f->line[POLICY_IMAGE]);
	else
		snprintf(where, sizeof(where), "%s: image (the default)", f->path);
	printf("warning: %s: '%s' is not installed: logins that use it fail until it is (lxloginctl image build "
	       "debian %s; lxloginctl image list)\n",
	       where, f->values.image, f->values.image);
	(*warnings)++;
}

static int policy_check_cmd(const char *dir)
{
	struct policy_diag diag = { 0 };
	size_t files = 0, warnings = 0;
	int r = policy_check(dir, &diag, &files, image_installed_check, &warnings);

	for (size_t i = 0; i < diag.n_msgs; i++)
		printf("%s\n", diag.msgs[i]);
	if (r < 0) {
		fprintf(stderr, "lxloginctl: policy check: %s\n", strerror(-r));
		policy_diag_free(&diag);
		return EXIT_USAGE;
	}
	if (diag.count)
		printf("%zu problem%s in %s (%zu file%s)\n", diag.count, diag.count == 1 ? "" : "s", dir, files,
		       files == 1 ? "" : "s");
	else
		printf("policy OK: %s (%zu file%s%s)\n", dir, files, files == 1 ? "" : "s",
		       warnings ? "; see the warnings" : "");
	r = diag.count ? EXIT_PROBLEMS : EXIT_OK;
	policy_diag_free(&diag);
	return r;
}

static void show_value(const char *key, const char *value, const struct policy_origin *o, const char *extra)
{
	char line[POLICY_LINE_MAX + 64];

	snprintf(line, sizeof(line), "%s = %s", key, value);
	if (o->file)
		printf("%-32s # %s:%u%s\n", line, o->file, o->line, extra);
	else
		printf("%-32s # default%s\n", line, extra);
}

static void show_values(const struct policy_result *res, const char *user)
{
	for (size_t k = 0; k < POLICY_KEY_COUNT; k++) {
		char value[POLICY_LINE_MAX], extra[POLICY_HOSTNAME_MAX + 32] = "";

		if (k == POLICY_EXEMPT_USERS || k == POLICY_EXEMPT_GROUPS || k == POLICY_PRIORITY)
			continue;
		if (policy_value_format((enum policy_key)k, &res->values, value, sizeof(value)) < 0)
			snprintf(value, sizeof(value), "?");
		if (k == POLICY_HOSTNAME) {
			char host[POLICY_HOSTNAME_MAX + 1];
			if (policy_hostname(res->values.hostname, user, host, sizeof(host)) == 0)
				snprintf(extra, sizeof(extra), " (%s)", host);
		}
		show_value(policy_key_name((enum policy_key)k), value, &res->origin[k], extra);
	}
	for (size_t i = 0; i < res->n_lxc; i++)
		show_value(res->lxc[i].key, res->lxc[i].value, &res->lxc[i].origin, "");
}

static int policy_show_cmd(const char *dir, const char *user)
{
	static const char *const verdicts[] = {
		[POLICY_EXEMPT] = "exempt (host session)",
		[POLICY_NOT_CONTAINED] = "not contained (host session)",
		[POLICY_CONTAINED] = "contained",
		[POLICY_REFUSED] = "refused (no session until the policy is fixed)",
	};
	struct policy_account acct = { 0 };
	struct policy_result res;
	struct policy_user pu;
	int r;

	r = policy_account_lookup(user, &acct);
	if (r < 0) {
		fprintf(stderr, "lxloginctl: %s: %s\n", user,
			r == -ENOENT ? "no such user"
			: r == -EIO  ? "user database lookup failed"
				     : strerror(-r));
		return EXIT_USAGE;
	}
	pu = (struct policy_user){ acct.name, acct.uid, (const char *const *)acct.groups, acct.n_groups };
	r = policy_resolve(dir, &pu, &res);
	if (r < 0) {
		fprintf(stderr, "lxloginctl: policy show: %s\n", strerror(-r));
		policy_account_free(&acct);
		return EXIT_USAGE;
	}
	printf("user %s (uid %u): %s: %s\n", acct.name, (unsigned)acct.uid, verdicts[res.verdict], res.reason);
	if (res.verdict == POLICY_CONTAINED)
		show_values(&res, acct.name);
	for (size_t i = 0; i < res.diag.n_msgs; i++)
		printf("%s%s\n", res.verdict == POLICY_REFUSED ? "" : "warning: ", res.diag.msgs[i]);
	r = res.verdict == POLICY_REFUSED ? EXIT_PROBLEMS : EXIT_OK;
	policy_result_free(&res);
	policy_account_free(&acct);
	return r;
}

static bool is_root(const char *cmd)
{
	if (geteuid() == 0)
		return true;
	fprintf(stderr, "lxloginctl: %s: must be run as root\n", cmd);
	return false;
}

/* start/stop/restart through the same core as the setuid helper (lxloginctl runs as root). */
static int container_cmd(const char *cmd, const char *name)
{
	struct core_err err = { "", "" };
	struct core_user user;
	int r;

	if (!is_root(cmd))
		return EXIT_USAGE;
	/* stopping never depends on the policy now: an admin can always stop what lxlogin started */
	r = strcmp(cmd, "stop") == 0 ? core_user_load_admin(name, &user, &err) : core_user_load(name, &user, &err);
	if (r < 0) {
		fprintf(stderr, "lxloginctl: %s\n", err.msg);
		return EXIT_PROBLEMS;
	}
	if (strcmp(cmd, "start") == 0) {
		r = core_start(&user, &err);
	} else if (strcmp(cmd, "stop") == 0) {
		r = core_stop(&user, &err);
	} else {
		r = core_stop(&user, &err);
		if (r == 0)
			r = core_start(&user, &err);
	}
	core_user_free(&user);
	if (r < 0) {
		fprintf(stderr, "lxloginctl: %s %s: %s\n", cmd, name, err.msg);
		return EXIT_PROBLEMS;
	}
	if (err.note[0])
		fprintf(stderr, "lxloginctl: warning: %s\n", err.note);
	return EXIT_OK;
}

static int subid_assign_cmd(const char *name)
{
	struct core_err err = { "", "" };
	int r = subid_assign(name, &err);

	if (r == -EEXIST) {
		printf("%s\n", err.msg);
		return EXIT_OK;
	}
	if (r < 0) {
		fprintf(stderr, "lxloginctl: subid assign: %s\n", err.msg);
		return EXIT_PROBLEMS;
	}
	return EXIT_OK;
}

/* Ask on the terminal; without one, only --yes says yes. */
static bool confirmed(const char *what, const char *name)
{
	char answer[POLICY_NAME_MAX + 8];

	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "lxloginctl: %s: not on a terminal; add --yes to confirm\n", what);
		return false;
	}
	printf("%s. Type the user name (%s) to go on: ", what, name);
	fflush(stdout);
	if (!fgets(answer, sizeof(answer), stdin))
		return false;
	answer[strcspn(answer, "\n")] = '\0';
	return strcmp(answer, name) == 0;
}

/* reset [--yes] [--delete] USER, destroy [--yes] USER */
/* doctor [--fix] [--sshd-config FILE] */
static int doctor_cmd(int argc, char **argv)
{
	const char *sshd_config = "/etc/ssh/sshd_config";
	bool fix = false;
	int left;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--fix") == 0)
			fix = true;
		else if (strcmp(argv[i], "--sshd-config") == 0 && i + 1 < argc)
			sshd_config = argv[++i];
		else
			return fputs(usage, stderr), EXIT_USAGE;
	}
	if (!is_root("doctor"))
		return EXIT_USAGE;
	left = admin_doctor(fix, sshd_config);
	return left < 0 ? EXIT_USAGE : left > 0 ? EXIT_PROBLEMS : EXIT_OK;
}

static int reset_cmd(int argc, char **argv)
{
	bool destroy = strcmp(argv[0], "destroy") == 0;
	struct core_err err = { "", "" };
	struct core_user user;
	bool yes = false, delete = false;
	char what[256], archived[POLICY_NAME_MAX + 64];
	const char *name = NULL;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--yes") == 0)
			yes = true;
		else if (strcmp(argv[i], "--delete") == 0 && !destroy)
			delete = true;
		else if (!name && argv[i][0] != '-')
			name = argv[i];
		else
			return fputs(usage, stderr), EXIT_USAGE;
	}
	if (!name)
		return fputs(usage, stderr), EXIT_USAGE;
	if (!is_root(argv[0]))
		return EXIT_USAGE;
	delete = delete || destroy;
	r = core_user_load_admin(name, &user, &err);
	if (r < 0) {
		fprintf(stderr, "lxloginctl: %s\n", err.msg);
		return EXIT_PROBLEMS;
	}
	snprintf(what, sizeof(what), "%s %s: stop their container and %s their layer (every file they wrote inside)",
		 destroy ? "Destroy" : "Reset", name, delete ? "DELETE" : "archive");
	if (!yes && !confirmed(what, name)) {
		core_user_free(&user);
		fprintf(stderr, "lxloginctl: %s %s: not confirmed, nothing done\n", argv[0], name);
		return EXIT_PROBLEMS;
	}
	r = core_reset(&user, delete, archived, sizeof(archived), &err);
	if (destroy && (r == 0 || r == -ENOENT)) /* no layer is fine: destroy what there is */
		r = core_runtime_remove(&user, &err);
	if (destroy && r == 0)
		r = net_lease_remove(name, &err);
	core_user_free(&user);
	if (r < 0) {
		fprintf(stderr, "lxloginctl: %s %s: %s\n", argv[0], name, err.msg);
		return EXIT_PROBLEMS;
	}
	if (destroy) {
		printf("%s: container, layer, runtime state and address lease destroyed; the account stays\n", name);
		return EXIT_OK;
	}
	if (delete)
		printf("%s: layer deleted; the next login starts fresh\n", name);
	else
		printf("%s: layer archived to %s/archive/%s; the next login starts fresh\n", name, LXLOGIN_STATE_DIR,
		       archived);
	return EXIT_OK;
}

/* network setup|teardown|show|release USER */
static int network_cmd(const char *dir, int argc, char **argv)
{
	int r;

	if (!is_root("network"))
		return EXIT_USAGE;
	if (argc == 2 && strcmp(argv[1], "setup") == 0)
		r = network_setup(dir);
	else if (argc == 2 && strcmp(argv[1], "teardown") == 0)
		r = network_teardown(dir);
	else if (argc == 2 && strcmp(argv[1], "show") == 0)
		r = network_show();
	else if (argc == 3 && strcmp(argv[1], "release") == 0)
		r = network_release(argv[2]);
	else
		return fputs(usage, stderr), EXIT_USAGE;
	return r < 0 ? EXIT_PROBLEMS : EXIT_OK;
}

/* exec [--root] USER -- CMD...: the command's exit status, or 2 if it could not run */
static int exec_cmd(int argc, char **argv)
{
	struct core_err err = { "", "" };
	struct core_user user;
	bool as_root = false;
	int i = 1, status, r;

	if (i < argc && strcmp(argv[i], "--root") == 0)
		as_root = true, i++;
	if (i + 2 >= argc || strcmp(argv[i + 1], "--") != 0)
		return fputs(usage, stderr), EXIT_USAGE;
	if (!is_root("exec"))
		return EXIT_USAGE;
	r = core_user_load_admin(argv[i], &user, &err);
	if (r < 0) {
		fprintf(stderr, "lxloginctl: %s\n", err.msg);
		return EXIT_USAGE;
	}
	fflush(NULL);
	r = core_exec(&user, as_root, argv + i + 2, &status, &err);
	core_user_free(&user);
	if (r < 0) {
		fprintf(stderr, "lxloginctl: exec: %s\n", err.msg);
		return EXIT_USAGE;
	}
	return status == 125 ? EXIT_USAGE : status;
}

/* image build|import|list|remove */
static int image_cmd(int argc, char **argv)
{
	struct image_source src = { .suite = "bookworm", .packages = "" };
	struct core_err err = { "", "" };
	const char *name = NULL;
	int r;

	if (argc < 2)
		return fputs(usage, stderr), EXIT_USAGE;
	if (!is_root("image"))
		return EXIT_USAGE;
	if (strcmp(argv[1], "list") == 0 && argc == 2) {
		r = image_list(&err);
	} else if (strcmp(argv[1], "remove") == 0 && (argc == 3 || (argc == 4 && strcmp(argv[2], "--force") == 0))) {
		r = image_remove(argv[argc - 1], argc == 4, &err);
	} else if (strcmp(argv[1], "publish") == 0 && argc == 3) {
		r = image_publish(argv[2], &err);
	} else if (strcmp(argv[1], "import") == 0 && argc == 4) {
		src.kind = IMAGE_IMPORT;
		src.from = argv[2];
		r = image_build(argv[3], &src, &err);
	} else if (strcmp(argv[1], "build") == 0 && argc >= 4 &&
		   (strcmp(argv[2], "debian") == 0 || strcmp(argv[2], "busybox") == 0)) {
		src.kind = strcmp(argv[2], "debian") == 0 ? IMAGE_DEBIAN : IMAGE_BUSYBOX;
		for (int i = 3; i < argc; i++) {
			bool has_value = i + 1 < argc && src.kind == IMAGE_DEBIAN;
			if (src.kind == IMAGE_DEBIAN && strcmp(argv[i], "--minimal") == 0)
				src.minimal = true;
			else if (has_value && strcmp(argv[i], "--suite") == 0)
				src.suite = argv[++i];
			else if (has_value && strcmp(argv[i], "--packages") == 0)
				src.packages = argv[++i];
			else if (has_value && strcmp(argv[i], "--mirror") == 0)
				src.mirror = argv[++i];
			else if (!name && argv[i][0] != '-')
				name = argv[i];
			else
				return fputs(usage, stderr), EXIT_USAGE;
		}
		if (!name)
			return fputs(usage, stderr), EXIT_USAGE;
		r = image_build(name, &src, &err);
	} else {
		return fputs(usage, stderr), EXIT_USAGE;
	}
	if (r < 0) {
		fprintf(stderr, "lxloginctl: image %s: %s\n", argv[1], err.msg);
		return EXIT_PROBLEMS;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config-dir", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = LXLOGIN_CONFIG_DIR;
	__do_free char *abs_dir = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			dir = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		case 'V':
			printf("lxloginctl %s\n", LXLOGIN_VERSION);
			return EXIT_OK;
		default:
			fputs(usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (dir[0] != '/') { /* the policy walk needs an absolute path */
		__do_free char *cwd = getcwd(NULL, 0);
		if (!cwd || asprintf(&abs_dir, "%s/%s", cwd, dir) < 0) {
			fprintf(stderr, "lxloginctl: %s: %s\n", dir, strerror(errno));
			return EXIT_USAGE;
		}
		dir = abs_dir;
	}
	argv += optind;
	argc -= optind;
	if (argc == 2 && strcmp(argv[0], "policy") == 0 && strcmp(argv[1], "check") == 0)
		return policy_check_cmd(dir);
	if (argc == 3 && strcmp(argv[0], "policy") == 0 && strcmp(argv[1], "show") == 0)
		return policy_show_cmd(dir, argv[2]);
	if (argc == 2 &&
	    (strcmp(argv[0], "start") == 0 || strcmp(argv[0], "stop") == 0 || strcmp(argv[0], "restart") == 0))
		return container_cmd(argv[0], argv[1]);
	if ((argc == 1 && strcmp(argv[0], "list") == 0) ||
	    (argc == 2 && strcmp(argv[0], "list") == 0 && strcmp(argv[1], "--json") == 0))
		return !is_root("list") ? EXIT_USAGE : admin_list(argc == 2) < 0 ? EXIT_USAGE : EXIT_OK;
	if (argc == 2 && strcmp(argv[0], "status") == 0)
		return !is_root("status") ? EXIT_USAGE : admin_status(argv[1]) < 0 ? EXIT_PROBLEMS : EXIT_OK;
	if (argc >= 1 && strcmp(argv[0], "doctor") == 0)
		return doctor_cmd(argc, argv);
	if (argc == 1 && strcmp(argv[0], "reap") == 0)
		return !is_root("reap") ? EXIT_USAGE : admin_reap() < 0 ? EXIT_PROBLEMS : EXIT_OK;
	if (argc >= 1 && strcmp(argv[0], "exec") == 0)
		return exec_cmd(argc, argv);
	if (argc == 3 && strcmp(argv[0], "subid") == 0 && strcmp(argv[1], "assign") == 0)
		return subid_assign_cmd(argv[2]);
	if (argc >= 1 && (strcmp(argv[0], "reset") == 0 || strcmp(argv[0], "destroy") == 0))
		return reset_cmd(argc, argv);
	if (argc >= 1 && strcmp(argv[0], "image") == 0)
		return image_cmd(argc, argv);
	if (argc >= 2 && strcmp(argv[0], "network") == 0)
		return network_cmd(dir, argc, argv);
	fputs(usage, stderr);
	return EXIT_USAGE;
}
