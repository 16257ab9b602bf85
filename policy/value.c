/* value.c - the policy keys: their scopes, defaults, bounded parsing and printing. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "policy.h"

#define K (UINT64_C(1) << 10)
#define M (UINT64_C(1) << 20)
#define G (UINT64_C(1) << 30)

#define MEMORY_MIN (16 * M)
#define DISK_MIN (1 * M)
#define INODES_MIN 16
#define BYTES_MAX (UINT64_C(1) << 60) /* 1E: more than any machine, far below overflow */
#define PIDS_MAX 4194304	      /* the kernel's PID_MAX_LIMIT */
#define CPUS_MIN_MILLI 10	      /* 0.01 CPU */
#define CPUS_MAX_MILLI (1024 * 1000)
#define WEIGHT_MIN 1
#define WEIGHT_MAX 10000
#define PRIORITY_MAX 99
#define DAY (24 * 3600)

enum {
	SCOPE_GLOBAL = 1 << POLICY_SCOPE_GLOBAL,
	SCOPE_GROUP = 1 << POLICY_SCOPE_GROUP,
	SCOPE_USER = 1 << POLICY_SCOPE_USER,
	SCOPE_ANY = SCOPE_GLOBAL | SCOPE_GROUP | SCOPE_USER,
};

static const struct {
	const char *name;
	unsigned scopes;
} keys[POLICY_KEY_COUNT] = {
	[POLICY_IMAGE] = { "image", SCOPE_ANY },
	[POLICY_MEMORY] = { "memory", SCOPE_ANY },
	[POLICY_SWAP] = { "swap", SCOPE_ANY },
	[POLICY_CPUS] = { "cpus", SCOPE_ANY },
	[POLICY_CPU_WEIGHT] = { "cpu_weight", SCOPE_ANY },
	[POLICY_PIDS] = { "pids", SCOPE_ANY },
	[POLICY_IO_WEIGHT] = { "io_weight", SCOPE_ANY },
	[POLICY_DISK] = { "disk", SCOPE_ANY },
	[POLICY_INODES] = { "inodes", SCOPE_ANY },
	[POLICY_HOSTNAME] = { "hostname", SCOPE_ANY },
	[POLICY_NETWORK] = { "network", SCOPE_ANY },
	[POLICY_IDLE_STOP] = { "idle_stop", SCOPE_ANY },
	[POLICY_IDLE_STOP_IF_PROCESSES] = { "idle_stop_if_processes", SCOPE_ANY },
	[POLICY_START_TIMEOUT] = { "start_timeout", SCOPE_ANY },
	[POLICY_ROOT] = { "root", SCOPE_ANY },
	[POLICY_NESTING] = { "nesting", SCOPE_ANY },
	[POLICY_FORWARD_AGENT] = { "forward_agent", SCOPE_ANY },
	[POLICY_HOME] = { "home", SCOPE_ANY },
	[POLICY_IPV4] = { "ipv4", SCOPE_ANY },
	[POLICY_GATEWAY] = { "gateway", SCOPE_ANY },
	[POLICY_VLAN] = { "vlan", SCOPE_ANY },
	[POLICY_ISOLATE] = { "isolate", SCOPE_ANY },
	[POLICY_HWADDR] = { "hwaddr", SCOPE_ANY },
	[POLICY_BRIDGE] = { "bridge", SCOPE_GLOBAL },
	[POLICY_SUBNET] = { "subnet", SCOPE_GLOBAL },
	[POLICY_POOL] = { "pool", SCOPE_GLOBAL },
	[POLICY_NAT] = { "nat", SCOPE_GLOBAL },
	[POLICY_QUOTA] = { "quota", SCOPE_GLOBAL },
	[POLICY_BACKEND] = { "backend", SCOPE_GLOBAL },
	[POLICY_LXD_SOCKET] = { "lxd_socket", SCOPE_GLOBAL },
	[POLICY_LXD_PROJECT] = { "lxd_project", SCOPE_GLOBAL },
	[POLICY_EXEMPT_USERS] = { "exempt_users", SCOPE_GLOBAL },
	[POLICY_EXEMPT_GROUPS] = { "exempt_groups", SCOPE_GLOBAL },
	[POLICY_PRIORITY] = { "priority", SCOPE_GROUP },
};

const char *policy_key_name(enum policy_key key)
{
	return keys[key].name;
}

int policy_key_lookup(const char *name, enum policy_key *ret_key)
{
	for (size_t k = 0; k < POLICY_KEY_COUNT; k++) {
		if (strcmp(keys[k].name, name) == 0) {
			*ret_key = (enum policy_key)k;
			return 0;
		}
	}
	return -ENOENT;
}

bool policy_key_allowed(enum policy_key key, enum policy_scope scope)
{
	return (keys[key].scopes & (1u << scope)) != 0;
}

void policy_values_default(struct policy_values *v)
{
	*v = (struct policy_values){
		.image = "default",
		.memory = { POLICY_LIMIT_ABSOLUTE, 1 * G },
		.swap = { POLICY_LIMIT_ABSOLUTE, 0 },
		.cpus = { POLICY_LIMIT_ABSOLUTE, 1000 },
		.cpu_weight = 100,
		.pids = { POLICY_LIMIT_ABSOLUTE, 512 },
		.io_weight = 100,
		.disk = { POLICY_LIMIT_UNLIMITED, 0 },
		.inodes = { POLICY_LIMIT_UNLIMITED, 0 },
		.quota = POLICY_QUOTA_REQUIRE,
		.hostname = "%u",
		.network = POLICY_NETWORK_NONE,
		.idle_stop_s = 30 * 60,
		.start_timeout_s = 30,
		.root = false,
		.nesting = false,
		.forward_agent = false,
		.home = POLICY_HOME_HOST,
		.priority = POLICY_PRIORITY_DEFAULT,
		.gateway = POLICY_GATEWAY_AUTO,
		.isolate = true,
		.hwaddr_auto = true,
		.bridge = "lxlbr0",
		.backend = POLICY_BACKEND_LOCAL,
		.lxd_socket = "/var/lib/lxd/unix.socket",
		.lxd_project = "lxlogin",
	};
}

/* lxc.* keys that lxlogin sets itself: an admin's line would undo isolation or limits. */
bool policy_lxc_key_reserved(const char *key, const char **ret_instead)
{
	static const struct {
		const char *prefix;
		const char *instead;
	} reserved[] = {
		{ "lxc.idmap", "lxlogin maps the user's subordinate ids itself" },
		{ "lxc.rootfs", "use the image key" },
		{ "lxc.uts.name", "use the hostname key" },
		{ "lxc.cgroup", "use the memory, swap, cpus, cpu_weight, pids and io_weight keys" },
		{ "lxc.namespace", "lxlogin chooses the namespaces" },
		{ "lxc.include", "put the lines in the policy file itself" },
		{ "lxc.net", "use the network keys" },
		{ "lxc.seccomp", "lxlogin loads its own filter, into the init and every session alike" },
		{ "lxc.signal", "lxlogin stops the container itself (SIGRTMIN+3 for systemd, else SIGPWR)" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(reserved); i++) {
		size_t n = strlen(reserved[i].prefix);
		if (strncmp(key, reserved[i].prefix, n) == 0 && (key[n] == '\0' || key[n] == '.' || key[n] == '2')) {
			*ret_instead = reserved[i].instead;
			return true;
		}
	}
	return false;
}

/* Leading digits of s into *ret; *ret_end after them. Refuses signs, overflow, no digits. */
static int parse_digits(const char *s, uint64_t *ret, const char **ret_end, char *why, size_t n)
{
	uint64_t v = 0;
	const char *p = s;

	if (*s == '-') {
		snprintf(why, n, "'%.40s' is negative", s);
		return -EINVAL;
	}
	if (*s == '+') {
		snprintf(why, n, "'%.40s': no sign allowed", s);
		return -EINVAL;
	}
	if (*p < '0' || *p > '9') {
		snprintf(why, n, "'%.40s' is not a number", s);
		return -EINVAL;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v)) {
			snprintf(why, n, "'%.40s' is too large", s);
			return -ERANGE;
		}
	}
	*ret = v;
	*ret_end = p;
	return 0;
}

static int parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *ret, char *why, size_t n)
{
	const char *end;
	uint64_t v;
	int r = parse_digits(s, &v, &end, why, n);

	if (r < 0)
		return r;
	if (*end) {
		snprintf(why, n, "'%.40s' is not a whole number", s);
		return -EINVAL;
	}
	if (v < min || v > max) {
		snprintf(why, n, "%" PRIu64 " is out of range (%" PRIu64 " to %" PRIu64 ")", v, min, max);
		return -ERANGE;
	}
	*ret = v;
	return 0;
}

/* "512M", "2G", "50%" (if percent), "unlimited": 1024-based, overflow-checked; also a count ("1M" files). */
static int parse_bytes(const char *s, uint64_t min, bool percent, struct policy_limit *ret, char *why, size_t n)
{
	static const char units[] = "KMGTPE";
	const char *end, *u;
	uint64_t v, scaled;
	int r;

	if (strcmp(s, "unlimited") == 0) {
		*ret = (struct policy_limit){ POLICY_LIMIT_UNLIMITED, 0 };
		return 0;
	}
	r = parse_digits(s, &v, &end, why, n);
	if (r < 0)
		return r;
	if (percent && strcmp(end, "%") == 0) {
		if (v < 1 || v > 100) {
			snprintf(why, n, "%" PRIu64 "%% is out of range (1%% to 100%%)", v);
			return -ERANGE;
		}
		*ret = (struct policy_limit){ POLICY_LIMIT_PERCENT, v };
		return 0;
	}
	scaled = v;
	if (*end) {
		u = end[1] == '\0' ? strchr(units, *end) : NULL;
		if (!u) {
			snprintf(why, n,
				 "'%.40s' is not a size (a whole number with an optional K, M, G, T, P or E suffix, "
				 "%sor unlimited)",
				 s, percent ? "a percentage of host memory like 50%, " : "");
			return -EINVAL;
		}
		for (const char *p = units; p <= u; p++) {
			if (__builtin_mul_overflow(scaled, 1024, &scaled)) {
				snprintf(why, n, "'%.40s' is too large", s);
				return -ERANGE;
			}
		}
	}
	if (scaled > BYTES_MAX) {
		snprintf(why, n, "'%.40s' is too large (at most 1E)", s);
		return -ERANGE;
	}
	if (scaled < min) {
		snprintf(why, n,
			 "'%.40s' is too small (at least %" PRIu64 "%s; 0 does not mean unlimited, write unlimited)", s,
			 min >= M ? min / M : min, min >= M ? "M" : "");
		return -ERANGE;
	}
	*ret = (struct policy_limit){ POLICY_LIMIT_ABSOLUTE, scaled };
	return 0;
}

/* "1", "1.5", "0.25", "unlimited" -> milli-CPUs. */
static int parse_cpus(const char *s, struct policy_limit *ret, char *why, size_t n)
{
	const char *end;
	uint64_t whole, milli = 0;
	unsigned digits = 0;
	int r;

	if (strcmp(s, "unlimited") == 0) {
		*ret = (struct policy_limit){ POLICY_LIMIT_UNLIMITED, 0 };
		return 0;
	}
	r = parse_digits(s, &whole, &end, why, n);
	if (r < 0)
		return r;
	if (*end == '.') {
		for (end++; *end >= '0' && *end <= '9' && digits < 3; end++, digits++)
			milli = milli * 10 + (uint64_t)(*end - '0');
		if (digits == 0)
			end = s; /* "1." is malformed */
		for (; digits < 3; digits++)
			milli *= 10;
	}
	if (*end) {
		snprintf(why, n, "'%.40s' is not a CPU count (like 2, 1.5 or 0.25, at most 3 decimals, or unlimited)",
			 s);
		return -EINVAL;
	}
	if (whole > CPUS_MAX_MILLI / 1000 || whole * 1000 + milli < CPUS_MIN_MILLI ||
	    whole * 1000 + milli > CPUS_MAX_MILLI) {
		snprintf(why, n, "'%.40s' is out of range (0.01 to 1024; 0 does not mean unlimited, write unlimited)",
			 s);
		return -ERANGE;
	}
	*ret = (struct policy_limit){ POLICY_LIMIT_ABSOLUTE, whole * 1000 + milli };
	return 0;
}

/* "90s", "15m", "2h", "1d", "never" (when allowed) -> seconds. */
static int parse_duration(const char *s, uint32_t min, uint32_t max, bool never_ok, uint32_t *ret, char *why, size_t n)
{
	static const struct {
		char unit;
		uint32_t seconds;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', DAY } };
	const char *end;
	uint64_t v, mult = 0;
	int r;

	if (never_ok && strcmp(s, "never") == 0) {
		*ret = POLICY_NEVER;
		return 0;
	}
	r = parse_digits(s, &v, &end, why, n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (end[0] == units[i].unit && end[1] == '\0')
			mult = units[i].seconds;
	if (!mult) {
		snprintf(why, n, "'%.40s' is not a duration (a whole number with s, m, h or d, like 90s or 15m%s)", s,
			 never_ok ? ", or never" : "");
		return -EINVAL;
	}
	if (v > max || v * mult < min || v * mult > max) {
		snprintf(why, n, "'%.40s' is out of range (%" PRIu32 "s to %" PRIu32 "s%s)", s, min, max,
			 never_ok ? "; 0 does not mean never, write never" : "");
		return -ERANGE;
	}
	*ret = (uint32_t)(v * mult);
	return 0;
}

/* One of a fixed list of words -> its index. */
static int parse_word(const char *s, const char *const *words, unsigned *ret, char *why, size_t n)
{
	char allowed[128] = "";

	for (unsigned i = 0; words[i]; i++) {
		if (strcmp(s, words[i]) == 0) {
			*ret = i;
			return 0;
		}
		snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed), "%s%s", i ? " or " : "",
			 words[i]);
	}
	snprintf(why, n, "'%.40s' is not allowed (use %s)", s, allowed);
	return -EINVAL;
}

static int parse_image(const char *s, char *dst, char *why, size_t n)
{
	size_t len = strlen(s);
	bool ok = len >= 1 && len <= POLICY_IMAGE_MAX && s[0] != '.' && s[0] != '-';

	for (size_t i = 0; ok && i < len; i++)
		ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' ||
		     s[i] == '-';
	if (!ok) {
		snprintf(
			why, n,
			"'%.40s' is not an image name (1 to %d of a-z, 0-9, '.', '_', '-', not starting with '.' or '-')",
			s, POLICY_IMAGE_MAX);
		return -EINVAL;
	}
	memcpy(dst, s, len + 1);
	return 0;
}

static int parse_hostname(const char *s, char *dst, char *why, size_t n)
{
	size_t len = strlen(s);
	bool ok = len >= 1 && len <= POLICY_HOSTNAME_MAX;

	for (size_t i = 0; ok && i < len; i++) {
		if (s[i] == '%')
			ok = s[++i] == 'u';
		else
			ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '-';
	}
	if (!ok) {
		snprintf(
			why, n,
			"'%.40s' is not a hostname template (1 to %d of a-z, 0-9, '.', '-', and %%u for the user name)",
			s, POLICY_HOSTNAME_MAX);
		return -EINVAL;
	}
	memcpy(dst, s, len + 1);
	return 0;
}

/* A bridge's interface name: 1 to 15 of a-z, 0-9, '-', '_', starting with a letter. */
static int parse_bridge(const char *s, char *dst, char *why, size_t n)
{
	size_t len = strlen(s);
	bool ok = len >= 1 && len <= POLICY_BRIDGE_MAX && s[0] >= 'a' && s[0] <= 'z';

	for (size_t i = 0; ok && i < len; i++)
		ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_';
	if (!ok) {
		snprintf(why, n, "'%.40s' is not a bridge name (1 to %d of a-z, 0-9, '-', '_', starting with a letter)",
			 s, POLICY_BRIDGE_MAX);
		return -EINVAL;
	}
	memcpy(dst, s, len + 1);
	return 0;
}

/* An absolute plain path (no "..", ".", "//") that fits a unix socket's address. */
static int parse_socket(const char *s, char *dst, char *why, size_t n)
{
	size_t len = strlen(s);

	if (len > POLICY_SOCKET_MAX || !policy_path_plain(s)) {
		snprintf(why, n, "'%.60s' is not a socket path (absolute, no '.' or '..' parts, at most %d bytes)", s,
			 POLICY_SOCKET_MAX);
		return -EINVAL;
	}
	memcpy(dst, s, len + 1);
	return 0;
}

/* An LXD project name lxlogin uses: 1 to 63 of a-z, 0-9, '-', starting with a letter. */
static int parse_project(const char *s, char *dst, char *why, size_t n)
{
	size_t len = strlen(s);
	bool ok = len >= 1 && len <= POLICY_PROJECT_MAX && s[0] >= 'a' && s[0] <= 'z';

	for (size_t i = 0; ok && i < len; i++)
		ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-';
	if (!ok) {
		snprintf(why, n, "'%.40s' is not a project name (1 to %d of a-z, 0-9, '-', starting with a letter)", s,
			 POLICY_PROJECT_MAX);
		return -EINVAL;
	}
	memcpy(dst, s, len + 1);
	return 0;
}

static int parse_address(const char *s, uint32_t *ret, char *why, size_t n)
{
	if (policy_ipv4_parse(s, ret) < 0) {
		snprintf(why, n, "'%.40s' is not an IPv4 address (like 10.71.0.20)", s);
		return -EINVAL;
	}
	return 0;
}

/* "10.71.0.1/24": the bridge's own address and the prefix length, 8 to 30. */
static int parse_subnet(const char *s, struct policy_values *v, char *why, size_t n)
{
	char addr[32];
	const char *slash = strchr(s, '/');
	uint64_t prefix;
	uint32_t a, mask;

	if (strcmp(s, "none") == 0) {
		v->subnet = 0;
		v->subnet_prefix = 0;
		return 0;
	}
	if (!slash || (size_t)(slash - s) >= sizeof(addr)) {
		snprintf(why, n, "'%.40s' is not a subnet (the bridge's address and prefix, like 10.71.0.1/24)", s);
		return -EINVAL;
	}
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (parse_address(addr, &a, why, n) < 0 || parse_count(slash + 1, 8, 30, &prefix, why, n) < 0)
		return -EINVAL;
	mask = policy_subnet_mask((unsigned)prefix);
	if ((a & ~mask) == 0 || (a & ~mask) == ~mask) {
		snprintf(why, n, "%.40s is the network or broadcast address; give the bridge's own address", s);
		return -EINVAL;
	}
	v->subnet = a;
	v->subnet_prefix = (unsigned)prefix;
	return 0;
}

/* "10.71.0.100-10.71.0.199", first <= last. */
static int parse_pool(const char *s, struct policy_values *v, char *why, size_t n)
{
	char first[32];
	const char *dash = strchr(s, '-');
	uint32_t a, b;

	if (strcmp(s, "none") == 0) { /* the whole subnet */
		v->pool_first = v->pool_last = 0;
		return 0;
	}
	if (!dash || (size_t)(dash - s) >= sizeof(first)) {
		snprintf(why, n, "'%.40s' is not a range (like 10.71.0.100-10.71.0.199)", s);
		return -EINVAL;
	}
	memcpy(first, s, (size_t)(dash - s));
	first[dash - s] = '\0';
	if (parse_address(first, &a, why, n) < 0 || parse_address(dash + 1, &b, why, n) < 0)
		return -EINVAL;
	if (a > b) {
		snprintf(why, n, "'%.40s' ends before it starts", s);
		return -EINVAL;
	}
	v->pool_first = a;
	v->pool_last = b;
	return 0;
}

int policy_value_parse(enum policy_key key, const char *s, struct policy_values *v, char *why, size_t n)
{
	static const char *const yes_no[] = { "no", "yes", NULL };
	static const char *const networks[] = { "none", "veth", NULL };
	static const char *const homes[] = { "host", "container", NULL };
	static const char *const quotas[] = { "require", "warn", "off", NULL };
	static const char *const backends[] = { "local", "lxd", NULL };
	uint64_t u;
	unsigned w;
	int r;

	switch (key) {
	case POLICY_IMAGE:
		return parse_image(s, v->image, why, n);
	case POLICY_MEMORY:
		return parse_bytes(s, MEMORY_MIN, true, &v->memory, why, n);
	case POLICY_SWAP:
		return parse_bytes(s, 0, true, &v->swap, why, n);
	case POLICY_DISK:
		return parse_bytes(s, DISK_MIN, false, &v->disk, why, n);
	case POLICY_INODES:
		return parse_bytes(s, INODES_MIN, false, &v->inodes, why, n);
	case POLICY_QUOTA:
		r = parse_word(s, quotas, &w, why, n);
		if (r == 0)
			v->quota = (enum policy_quota)w;
		return r;
	case POLICY_CPUS:
		return parse_cpus(s, &v->cpus, why, n);
	case POLICY_CPU_WEIGHT:
	case POLICY_IO_WEIGHT:
		r = parse_count(s, WEIGHT_MIN, WEIGHT_MAX, &u, why, n);
		if (r == 0)
			*(key == POLICY_CPU_WEIGHT ? &v->cpu_weight : &v->io_weight) = (uint32_t)u;
		return r;
	case POLICY_PIDS:
		if (strcmp(s, "unlimited") == 0) {
			v->pids = (struct policy_limit){ POLICY_LIMIT_UNLIMITED, 0 };
			return 0;
		}
		r = parse_count(s, 1, PIDS_MAX, &u, why, n);
		if (r == 0)
			v->pids = (struct policy_limit){ POLICY_LIMIT_ABSOLUTE, u };
		return r;
	case POLICY_HOSTNAME:
		return parse_hostname(s, v->hostname, why, n);
	case POLICY_NETWORK:
		r = parse_word(s, networks, &w, why, n);
		if (r == 0)
			v->network = (enum policy_network)w;
		return r;
	case POLICY_IDLE_STOP:
		return parse_duration(s, 1, 365 * DAY, true, &v->idle_stop_s, why, n);
	case POLICY_START_TIMEOUT:
		return parse_duration(s, 1, 600, false, &v->start_timeout_s, why, n);
	case POLICY_ROOT:
	case POLICY_NESTING:
	case POLICY_FORWARD_AGENT:
	case POLICY_IDLE_STOP_IF_PROCESSES:
	case POLICY_ISOLATE:
	case POLICY_NAT:
		r = parse_word(s, yes_no, &w, why, n);
		if (r == 0)
			*(key == POLICY_ROOT			 ? &v->root
			  : key == POLICY_NESTING		 ? &v->nesting
			  : key == POLICY_FORWARD_AGENT		 ? &v->forward_agent
			  : key == POLICY_IDLE_STOP_IF_PROCESSES ? &v->idle_stop_if_processes
			  : key == POLICY_ISOLATE		 ? &v->isolate
								 : &v->nat) = w == 1;
		return r;
	case POLICY_IPV4:
		if (strcmp(s, "auto") == 0) {
			v->ipv4 = 0;
			return 0;
		}
		if (policy_ipv4_parse(s, &v->ipv4) < 0) {
			snprintf(why, n, "'%.40s' is not an IPv4 address (like 10.71.0.20, no prefix) or auto", s);
			return -EINVAL;
		}
		return 0;
	case POLICY_GATEWAY:
		if (strcmp(s, "auto") == 0 || strcmp(s, "none") == 0) {
			v->gateway = s[0] == 'a' ? POLICY_GATEWAY_AUTO : POLICY_GATEWAY_NONE;
			return 0;
		}
		if (policy_ipv4_parse(s, &v->gateway_addr) < 0) {
			snprintf(why, n, "'%.40s' is not an IPv4 address, auto or none", s);
			return -EINVAL;
		}
		v->gateway = POLICY_GATEWAY_ADDRESS;
		return 0;
	case POLICY_VLAN:
		if (strcmp(s, "none") == 0) {
			v->vlan = 0;
			return 0;
		}
		r = parse_count(s, 1, POLICY_VLAN_MAX, &u, why, n);
		if (r == 0)
			v->vlan = (uint16_t)u;
		else
			snprintf(why, n, "'%.40s' is not a VLAN id (1 to %d) or none", s, POLICY_VLAN_MAX);
		return r;
	case POLICY_HWADDR:
		if (strcmp(s, "auto") == 0) {
			v->hwaddr_auto = true;
			return 0;
		}
		if (policy_hwaddr_parse(s, v->hwaddr) < 0) {
			snprintf(why, n, "'%.40s' is not a unicast MAC address (like 00:16:3e:12:34:56) or auto", s);
			return -EINVAL;
		}
		v->hwaddr_auto = false;
		return 0;
	case POLICY_BRIDGE:
		return parse_bridge(s, v->bridge, why, n);
	case POLICY_BACKEND:
		r = parse_word(s, backends, &w, why, n);
		if (r == 0)
			v->backend = (enum policy_backend)w;
		return r;
	case POLICY_LXD_SOCKET:
		return parse_socket(s, v->lxd_socket, why, n);
	case POLICY_LXD_PROJECT:
		return parse_project(s, v->lxd_project, why, n);
	case POLICY_SUBNET:
		return parse_subnet(s, v, why, n);
	case POLICY_POOL:
		return parse_pool(s, v, why, n);
	case POLICY_HOME:
		r = parse_word(s, homes, &w, why, n);
		if (r == 0)
			v->home = (enum policy_home)w;
		return r;
	case POLICY_PRIORITY:
		r = parse_count(s, 0, PRIORITY_MAX, &u, why, n);
		if (r == 0)
			v->priority = (uint32_t)u;
		return r;
	case POLICY_EXEMPT_USERS:
	case POLICY_EXEMPT_GROUPS:
	case POLICY_KEY_COUNT:
		break;
	}
	snprintf(why, n, "not a single value");
	return -EINVAL;
}

static int format_bytes(const struct policy_limit *l, char *buf, size_t size)
{
	static const char units[] = "KMGTPE";
	uint64_t v = l->value;
	int u = -1;

	if (l->kind == POLICY_LIMIT_UNLIMITED)
		return snprintf(buf, size, "unlimited");
	if (l->kind == POLICY_LIMIT_PERCENT)
		return snprintf(buf, size, "%" PRIu64 "%%", v);
	while (v != 0 && v % 1024 == 0 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		return snprintf(buf, size, "%" PRIu64, v);
	return snprintf(buf, size, "%" PRIu64 "%c", v, units[u]);
}

static int format_duration(uint32_t s, char *buf, size_t size)
{
	if (s == POLICY_NEVER)
		return snprintf(buf, size, "never");
	if (s % DAY == 0)
		return snprintf(buf, size, "%" PRIu32 "d", s / DAY);
	if (s % 3600 == 0)
		return snprintf(buf, size, "%" PRIu32 "h", s / 3600);
	if (s % 60 == 0)
		return snprintf(buf, size, "%" PRIu32 "m", s / 60);
	return snprintf(buf, size, "%" PRIu32 "s", s);
}

static int format_cpus(const struct policy_limit *l, char *buf, size_t size)
{
	uint64_t milli = l->value % 1000;

	if (l->kind == POLICY_LIMIT_UNLIMITED)
		return snprintf(buf, size, "unlimited");
	if (milli == 0)
		return snprintf(buf, size, "%" PRIu64, l->value / 1000);
	if (milli % 100 == 0)
		return snprintf(buf, size, "%" PRIu64 ".%" PRIu64, l->value / 1000, milli / 100);
	if (milli % 10 == 0)
		return snprintf(buf, size, "%" PRIu64 ".%02" PRIu64, l->value / 1000, milli / 10);
	return snprintf(buf, size, "%" PRIu64 ".%03" PRIu64, l->value / 1000, milli);
}

/* Print a value back in the syntax the parser reads. */
int policy_value_format(enum policy_key key, const struct policy_values *v, char *buf, size_t size)
{
	char a[16], b[16], mac[18];
	int r = -EINVAL;

	switch (key) {
	case POLICY_IMAGE:
		r = snprintf(buf, size, "%s", v->image);
		break;
	case POLICY_MEMORY:
		r = format_bytes(&v->memory, buf, size);
		break;
	case POLICY_SWAP:
		r = format_bytes(&v->swap, buf, size);
		break;
	case POLICY_DISK:
		r = format_bytes(&v->disk, buf, size);
		break;
	case POLICY_INODES:
		r = format_bytes(&v->inodes, buf, size);
		break;
	case POLICY_QUOTA:
		r = snprintf(buf, size, "%s",
			     v->quota == POLICY_QUOTA_REQUIRE ? "require"
			     : v->quota == POLICY_QUOTA_WARN  ? "warn"
							      : "off");
		break;
	case POLICY_CPUS:
		r = format_cpus(&v->cpus, buf, size);
		break;
	case POLICY_CPU_WEIGHT:
		r = snprintf(buf, size, "%" PRIu32, v->cpu_weight);
		break;
	case POLICY_PIDS:
		r = v->pids.kind == POLICY_LIMIT_UNLIMITED ? snprintf(buf, size, "unlimited")
							   : snprintf(buf, size, "%" PRIu64, v->pids.value);
		break;
	case POLICY_IO_WEIGHT:
		r = snprintf(buf, size, "%" PRIu32, v->io_weight);
		break;
	case POLICY_HOSTNAME:
		r = snprintf(buf, size, "%s", v->hostname);
		break;
	case POLICY_NETWORK:
		r = snprintf(buf, size, "%s", v->network == POLICY_NETWORK_VETH ? "veth" : "none");
		break;
	case POLICY_IPV4:
	case POLICY_GATEWAY:
		if (key == POLICY_IPV4 ? v->ipv4 == 0 : v->gateway != POLICY_GATEWAY_ADDRESS) {
			r = snprintf(buf, size, "%s",
				     key == POLICY_IPV4 || v->gateway == POLICY_GATEWAY_AUTO ? "auto" : "none");
			break;
		}
		policy_ipv4_format(key == POLICY_IPV4 ? v->ipv4 : v->gateway_addr, a);
		r = snprintf(buf, size, "%s", a);
		break;
	case POLICY_VLAN:
		r = v->vlan ? snprintf(buf, size, "%u", v->vlan) : snprintf(buf, size, "none");
		break;
	case POLICY_ISOLATE:
	case POLICY_NAT:
		r = snprintf(buf, size, "%s", (key == POLICY_ISOLATE ? v->isolate : v->nat) ? "yes" : "no");
		break;
	case POLICY_HWADDR:
		policy_hwaddr_format(v->hwaddr, mac);
		r = snprintf(buf, size, "%s", v->hwaddr_auto ? "auto" : mac);
		break;
	case POLICY_BRIDGE:
		r = snprintf(buf, size, "%s", v->bridge);
		break;
	case POLICY_BACKEND:
		r = snprintf(buf, size, "%s", v->backend == POLICY_BACKEND_LXD ? "lxd" : "local");
		break;
	case POLICY_LXD_SOCKET:
		r = snprintf(buf, size, "%s", v->lxd_socket);
		break;
	case POLICY_LXD_PROJECT:
		r = snprintf(buf, size, "%s", v->lxd_project);
		break;
	case POLICY_SUBNET:
		policy_ipv4_format(v->subnet, a);
		r = v->subnet_prefix ? snprintf(buf, size, "%s/%u", a, v->subnet_prefix) : snprintf(buf, size, "none");
		break;
	case POLICY_POOL: {
		uint32_t first, last;

		if (!v->subnet_prefix && !v->pool_first && !v->pool_last) {
			r = snprintf(buf, size, "none");
			break;
		}
		policy_pool_range(v, &first, &last);
		policy_ipv4_format(first, a);
		policy_ipv4_format(last, b);
		r = snprintf(buf, size, "%s-%s", a, b);
		break;
	}
	case POLICY_IDLE_STOP:
		r = format_duration(v->idle_stop_s, buf, size);
		break;
	case POLICY_START_TIMEOUT:
		r = format_duration(v->start_timeout_s, buf, size);
		break;
	case POLICY_ROOT:
		r = snprintf(buf, size, "%s", v->root ? "yes" : "no");
		break;
	case POLICY_NESTING:
		r = snprintf(buf, size, "%s", v->nesting ? "yes" : "no");
		break;
	case POLICY_FORWARD_AGENT:
		r = snprintf(buf, size, "%s", v->forward_agent ? "yes" : "no");
		break;
	case POLICY_IDLE_STOP_IF_PROCESSES:
		r = snprintf(buf, size, "%s", v->idle_stop_if_processes ? "yes" : "no");
		break;
	case POLICY_HOME:
		r = snprintf(buf, size, "%s", v->home == POLICY_HOME_HOST ? "host" : "container");
		break;
	case POLICY_PRIORITY:
		r = snprintf(buf, size, "%" PRIu32, v->priority);
		break;
	case POLICY_EXEMPT_USERS:
	case POLICY_EXEMPT_GROUPS:
	case POLICY_KEY_COUNT:
		return -EINVAL;
	}
	if (r < 0 || (size_t)r >= size)
		return -ENOBUFS;
	return 0;
}

/* Copy one key's value from src to dst (the merge step). */
void policy_value_copy(enum policy_key key, struct policy_values *dst, const struct policy_values *src)
{
	switch (key) {
	case POLICY_IMAGE:
		memcpy(dst->image, src->image, sizeof(dst->image));
		break;
	case POLICY_MEMORY:
		dst->memory = src->memory;
		break;
	case POLICY_SWAP:
		dst->swap = src->swap;
		break;
	case POLICY_DISK:
		dst->disk = src->disk;
		break;
	case POLICY_INODES:
		dst->inodes = src->inodes;
		break;
	case POLICY_QUOTA:
		dst->quota = src->quota;
		break;
	case POLICY_CPUS:
		dst->cpus = src->cpus;
		break;
	case POLICY_CPU_WEIGHT:
		dst->cpu_weight = src->cpu_weight;
		break;
	case POLICY_PIDS:
		dst->pids = src->pids;
		break;
	case POLICY_IO_WEIGHT:
		dst->io_weight = src->io_weight;
		break;
	case POLICY_HOSTNAME:
		memcpy(dst->hostname, src->hostname, sizeof(dst->hostname));
		break;
	case POLICY_NETWORK:
		dst->network = src->network;
		break;
	case POLICY_IDLE_STOP:
		dst->idle_stop_s = src->idle_stop_s;
		break;
	case POLICY_START_TIMEOUT:
		dst->start_timeout_s = src->start_timeout_s;
		break;
	case POLICY_ROOT:
		dst->root = src->root;
		break;
	case POLICY_NESTING:
		dst->nesting = src->nesting;
		break;
	case POLICY_FORWARD_AGENT:
		dst->forward_agent = src->forward_agent;
		break;
	case POLICY_IDLE_STOP_IF_PROCESSES:
		dst->idle_stop_if_processes = src->idle_stop_if_processes;
		break;
	case POLICY_HOME:
		dst->home = src->home;
		break;
	case POLICY_PRIORITY:
		dst->priority = src->priority;
		break;
	case POLICY_IPV4:
		dst->ipv4 = src->ipv4;
		break;
	case POLICY_GATEWAY:
		dst->gateway = src->gateway;
		dst->gateway_addr = src->gateway_addr;
		break;
	case POLICY_VLAN:
		dst->vlan = src->vlan;
		break;
	case POLICY_ISOLATE:
		dst->isolate = src->isolate;
		break;
	case POLICY_HWADDR:
		dst->hwaddr_auto = src->hwaddr_auto;
		memcpy(dst->hwaddr, src->hwaddr, sizeof(dst->hwaddr));
		break;
	case POLICY_BRIDGE:
		memcpy(dst->bridge, src->bridge, sizeof(dst->bridge));
		break;
	case POLICY_BACKEND:
		dst->backend = src->backend;
		break;
	case POLICY_LXD_SOCKET:
		memcpy(dst->lxd_socket, src->lxd_socket, sizeof(dst->lxd_socket));
		break;
	case POLICY_LXD_PROJECT:
		memcpy(dst->lxd_project, src->lxd_project, sizeof(dst->lxd_project));
		break;
	case POLICY_SUBNET:
		dst->subnet = src->subnet;
		dst->subnet_prefix = src->subnet_prefix;
		break;
	case POLICY_POOL:
		dst->pool_first = src->pool_first;
		dst->pool_last = src->pool_last;
		break;
	case POLICY_NAT:
		dst->nat = src->nat;
		break;
	case POLICY_EXEMPT_USERS:
	case POLICY_EXEMPT_GROUPS:
	case POLICY_KEY_COUNT:
		break;
	}
}
