/* .vmx parsing, typed getters and atomic write-back.  See vmx.h. */
#include "config.h"
#include "vmx.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define VMX_MAX_FILE (4u << 20)
#define VMX_MAX_LINE 65536

/* Every physical line is kept; entry lines also carry their key/value. */
struct vmx_line {
	char *text;     /* the line as read (without newline); NULL once rewritten */
	char *key;      /* NULL for blank and comment lines */
	char *value;
	unsigned lineno;
	bool live;      /* the last occurrence of its key */
};

struct vmx {
	char *path;
	struct vmx_line *lines;
	size_t nlines, cap;
	char err[512];
};

static void set_err(struct vmx *v, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = line ? snprintf(v->err, sizeof(v->err), "%s:%u: ", v->path, line)
		 : snprintf(v->err, sizeof(v->err), "%s: ", v->path);
	if (n < 0 || (size_t)n >= sizeof(v->err))
		return;
	va_start(ap, fmt);
	vsnprintf(v->err + n, sizeof(v->err) - (size_t)n, fmt, ap);
	va_end(ap);
}

const char *vmx_path(const struct vmx *v) { return v->path; }
const char *vmx_error(const struct vmx *v) { return v->err; }

static int push_line(struct vmx *v, struct vmx_line *l)
{
	if (v->nlines == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 64;
		struct vmx_line *n = realloc(v->lines, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		v->lines = n;
		v->cap = ncap;
	}
	v->lines[v->nlines++] = *l;
	return 0;
}

static bool valid_key_char(int c)
{
	return isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-' || c == '[' || c == ']';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

/* Checks that s is well-formed UTF-8. */
static bool utf8_ok(const unsigned char *s)
{
	while (*s) {
		int n = *s < 0x80 ? 0 : (*s & 0xE0) == 0xC0 ? 1 : (*s & 0xF0) == 0xE0 ? 2 : (*s & 0xF8) == 0xF0 ? 3 : -1;
		if (n < 0 || (n == 1 && *s < 0xC2))
			return false;
		s++;
		for (int i = 0; i < n; i++, s++)
			if ((*s & 0xC0) != 0x80)
				return false;
	}
	return true;
}

/* Parses one entry line into l->key/l->value.  VMware escapes a byte in a
 * quoted value as |XX (two hex digits), e.g. |22 for a double quote. */
static int parse_entry(struct vmx *v, const char *p, struct vmx_line *l)
{
	const char *k = p, *q;
	size_t klen;
	char *val, *o;

	while (valid_key_char((unsigned char)*p))
		p++;
	klen = (size_t)(p - k);
	if (!klen) {
		set_err(v, l->lineno, "expected a key name");
		return -EINVAL;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '=') {
		set_err(v, l->lineno, "missing '=' after key \"%.*s\"", (int)klen, k);
		return -EINVAL;
	}
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	val = malloc(strlen(p) + 1);
	if (!val)
		return -ENOMEM;
	o = val;
	if (*p == '"') {
		for (q = p + 1; *q && *q != '"'; q++) {
			if (*q == '|') {
				int hi = hexval((unsigned char)q[1]), lo = hi < 0 ? -1 : hexval((unsigned char)q[2]);
				if (lo < 0 || (hi == 0 && lo == 0)) {
					set_err(v, l->lineno, "bad escape \"%.3s\" in the value of \"%.*s\" (expected |XX with two hex digits)",
						q, (int)klen, k);
					free(val);
					return -EINVAL;
				}
				*o++ = (char)(hi * 16 + lo);
				q += 2;
			} else {
				*o++ = *q;
			}
		}
		if (*q != '"') {
			set_err(v, l->lineno, "unterminated quote in the value of \"%.*s\"", (int)klen, k);
			free(val);
			return -EINVAL;
		}
		q++;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q && *q != '#') {
			set_err(v, l->lineno, "unexpected text after the quoted value of \"%.*s\"", (int)klen, k);
			free(val);
			return -EINVAL;
		}
	} else {
		/* VMware also reads bare values; they end at white space. */
		for (q = p; *q && *q != ' ' && *q != '\t' && *q != '#'; q++)
			*o++ = *q;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q && *q != '#') {
			set_err(v, l->lineno, "unexpected text after the value of \"%.*s\" (quote values with spaces)", (int)klen, k);
			free(val);
			return -EINVAL;
		}
	}
	*o = '\0';
	if (!utf8_ok((const unsigned char *)val)) {
		set_err(v, l->lineno, "the value of \"%.*s\" is not valid UTF-8", (int)klen, k);
		free(val);
		return -EINVAL;
	}
	l->key = strndup(k, klen);
	l->value = val;
	return l->key ? 0 : -ENOMEM;
}

static struct vmx_line *find_live(const struct vmx *v, const char *key)
{
	for (size_t i = v->nlines; i-- > 0;)
		if (v->lines[i].key && !strcasecmp(v->lines[i].key, key))
			return &v->lines[i];
	return NULL;
}

static int parse_buffer(struct vmx *v, char *buf)
{
	unsigned lineno = 0;
	char *line;
	int err;

	for (char *s = buf; (line = strsep(&s, "\n")) != NULL;) {
		struct vmx_line l = { .lineno = ++lineno };
		const char *p = line;
		size_t len = strlen(line);

		if (!s && len == 0)
			break; /* the text after the final newline */
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len > VMX_MAX_LINE) {
			set_err(v, lineno, "line too long");
			return -EINVAL;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p && *p != '#') {
			err = parse_entry(v, p, &l);
			if (err) {
				free(l.key);
				free(l.value);
				return err;
			}
		}
		l.text = strdup(line);
		if (!l.text || push_line(v, &l)) {
			free(l.text);
			free(l.key);
			free(l.value);
			return -ENOMEM;
		}
	}
	/* Mark the last occurrence of each key live; warn about the others. */
	for (size_t i = 0; i < v->nlines; i++) {
		struct vmx_line *l = &v->lines[i], *last;
		if (!l->key)
			continue;
		last = find_live(v, l->key);
		l->live = last == l;
		if (!l->live)
			log_warn("vmx", "%s:%u: \"%s\" is set again on line %u; the later value wins",
				 v->path, l->lineno, l->key, last->lineno);
	}
	return 0;
}

int vmx_load(const char *path, struct vmx **out, char *errbuf, size_t errlen)
{
	struct vmx *v;
	FILE *fp;
	char *buf = NULL;
	size_t n;
	int err = 0;
	const char *enc;

	*out = NULL;
	v = calloc(1, sizeof(*v));
	if (!v || !(v->path = strdup(path))) {
		free(v);
		snprintf(errbuf, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	fp = fopen(path, "rb");
	if (!fp) {
		err = -errno;
		set_err(v, 0, "cannot open: %s", strerror(errno));
		goto fail;
	}
	buf = malloc(VMX_MAX_FILE + 1);
	n = buf ? fread(buf, 1, VMX_MAX_FILE + 1, fp) : 0;
	fclose(fp);
	if (!buf) {
		err = -ENOMEM;
		set_err(v, 0, "out of memory");
		goto fail;
	}
	if (n > VMX_MAX_FILE) {
		err = -EFBIG;
		set_err(v, 0, "file larger than %u bytes", VMX_MAX_FILE);
		goto fail;
	}
	if (memchr(buf, '\0', n)) {
		err = -EINVAL;
		set_err(v, 0, "file contains NUL bytes (not a text .vmx)");
		goto fail;
	}
	buf[n] = '\0';
	err = parse_buffer(v, buf);
	if (err)
		goto fail;
	enc = vmx_get(v, ".encoding");
	if (enc && strcasecmp(enc, "UTF-8") && strcasecmp(enc, "UTF8")) {
		set_err(v, vmx_line(v, ".encoding"), "unsupported .encoding \"%s\" (hostvm reads UTF-8)", enc);
		err = -EINVAL;
		goto fail;
	}
	free(buf);
	*out = v;
	return 0;
fail:
	snprintf(errbuf, errlen, "%s", v->err);
	free(buf);
	vmx_free(v);
	return err;
}

void vmx_free(struct vmx *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->nlines; i++) {
		free(v->lines[i].text);
		free(v->lines[i].key);
		free(v->lines[i].value);
	}
	free(v->lines);
	free(v->path);
	free(v);
}

const char *vmx_get(const struct vmx *v, const char *key)
{
	const struct vmx_line *l = find_live(v, key);

	return l ? l->value : NULL;
}

unsigned vmx_line(const struct vmx *v, const char *key)
{
	const struct vmx_line *l = find_live(v, key);

	return l ? l->lineno : 0;
}

int vmx_get_bool(struct vmx *v, const char *key, bool def, bool *out)
{
	static const char *const yes[] = { "TRUE", "1", "yes", "on" };
	static const char *const no[] = { "FALSE", "0", "no", "off" };
	const char *s = vmx_get(v, key);

	*out = def;
	if (!s)
		return 0;
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	set_err(v, vmx_line(v, key), "%s = \"%s\" is not a boolean (use TRUE or FALSE)", key, s);
	return -EINVAL;
}

int vmx_get_int(struct vmx *v, const char *key, int64_t def, int64_t min, int64_t max, int64_t *out)
{
	const char *s = vmx_get(v, key);
	char *end;
	long long x;

	*out = def;
	if (!s)
		return 0;
	/* Decimal, or hexadecimal with 0x: never octal, so "010" is ten. */
	errno = 0;
	if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ||
	    (s[0] == '-' && s[1] == '0' && (s[2] == 'x' || s[2] == 'X')))
		x = strtoll(s, &end, 16);
	else
		x = strtoll(s, &end, 10);
	if (!*s || *end || errno) {
		set_err(v, vmx_line(v, key), "%s = \"%s\" is not a number", key, s);
		return -EINVAL;
	}
	if (x < min || x > max) {
		set_err(v, vmx_line(v, key), "%s = \"%s\" is out of range (%lld to %lld)", key, s,
			(long long)min, (long long)max);
		return -EINVAL;
	}
	*out = x;
	return 0;
}

int vmx_get_size(struct vmx *v, const char *key, uint64_t unit, uint64_t def,
		 uint64_t min, uint64_t max, uint64_t *out)
{
	const char *s = vmx_get(v, key);
	unsigned long long x;
	uint64_t mul = unit;
	char *end;

	*out = def;
	if (!s)
		return 0;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (!isdigit((unsigned char)*s) || errno)
		goto bad;
	if (*end) {
		switch (toupper((unsigned char)*end)) {
		case 'K': mul = 1ull << 10; break;
		case 'M': mul = 1ull << 20; break;
		case 'G': mul = 1ull << 30; break;
		case 'T': mul = 1ull << 40; break;
		case 'B': mul = 1; break;
		default: goto bad;
		}
		end++;
		if (toupper((unsigned char)*end) == 'B' && mul != 1)
			end++;
		if (*end)
			goto bad;
	}
	if (x && mul > UINT64_MAX / x) {
		set_err(v, vmx_line(v, key), "%s = \"%s\" is too large", key, s);
		return -EINVAL;
	}
	if (x * mul < min || x * mul > max) {
		set_err(v, vmx_line(v, key), "%s = \"%s\" is out of range (%llu to %llu bytes)", key, s,
			(unsigned long long)min, (unsigned long long)max);
		return -EINVAL;
	}
	*out = x * mul;
	return 0;
bad:
	set_err(v, vmx_line(v, key), "%s = \"%s\" is not a size (a number with an optional K, M, G or T)", key, s);
	return -EINVAL;
}

int vmx_get_mac(struct vmx *v, const char *key, uint8_t mac[6], bool *present)
{
	const char *s = vmx_get(v, key);

	*present = s != NULL;
	if (!s)
		return 0;
	for (int i = 0; i < 6; i++) {
		int hi = hexval((unsigned char)s[3 * i]), lo = hi < 0 ? -1 : hexval((unsigned char)s[3 * i + 1]);
		/* Only read the separator once both digits exist: before that,
		 * s[3i + 2] may lie past the string's end. */
		char sep = lo < 0 ? '\0' : s[3 * i + 2];
		if (lo < 0 || (i < 5 ? (sep != ':' && sep != '-') : sep != '\0')) {
			set_err(v, vmx_line(v, key), "%s = \"%s\" is not a MAC address (xx:xx:xx:xx:xx:xx)", key, s);
			return -EINVAL;
		}
		mac[i] = (uint8_t)(hi * 16 + lo);
	}
	return 0;
}

/* Renders key = "value", escaping what must be: quotes, |, and control bytes. */
void vmx_fail(struct vmx *v, const char *key, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	set_err(v, vmx_line(v, key), "%s", msg);
}

static char *render(const char *key, const char *value)
{
	size_t n = strlen(key) + 3 * strlen(value) + 8;
	char *out = malloc(n), *o;

	if (!out)
		return NULL;
	o = out + sprintf(out, "%s = \"", key);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (*p == '"' || *p == '|' || *p < 0x20)
			o += sprintf(o, "|%02X", *p);
		else
			*o++ = (char)*p;
	}
	strcpy(o, "\"");
	return out;
}

int vmx_set(struct vmx *v, const char *key, const char *value)
{
	struct vmx_line *l = find_live(v, key);
	char *text = render(l ? l->key : key, value), *val = strdup(value);

	if (!text || !val) {
		free(text);
		free(val);
		return -ENOMEM;
	}
	if (l) {
		free(l->text);
		free(l->value);
		l->text = text;
		l->value = val;
		return 0;
	}
	struct vmx_line nl = { .text = text, .key = strdup(key), .value = val, .live = true,
			       .lineno = v->nlines + 1 };
	if (!nl.key || push_line(v, &nl)) {
		free(nl.key);
		free(text);
		free(val);
		return -ENOMEM;
	}
	return 0;
}

int vmx_save(struct vmx *v)
{
	char *tmp;
	FILE *fp;
	int fd, err = 0;

	if (asprintf(&tmp, "%s.tmp.XXXXXX", v->path) < 0)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		set_err(v, 0, "cannot write: %s", strerror(errno));
		free(tmp);
		return err;
	}
	fchmod(fd, 0644);
	fp = fdopen(fd, "w");
	if (!fp) {
		err = -errno;
		close(fd);
		goto out;
	}
	for (size_t i = 0; i < v->nlines; i++)
		fprintf(fp, "%s\n", v->lines[i].text);
	if (fflush(fp) || fsync(fileno(fp)))
		err = -errno;
	if (fclose(fp) && !err)
		err = -errno;
	if (!err && rename(tmp, v->path))
		err = -errno;
out:
	if (err) {
		set_err(v, 0, "cannot write: %s", strerror(-err));
		unlink(tmp);
	}
	free(tmp);
	return err;
}

bool vmx_entry(const struct vmx *v, size_t index, const char **key, const char **value, unsigned *line)
{
	for (size_t i = 0; i < v->nlines; i++) {
		if (!v->lines[i].key || !v->lines[i].live)
			continue;
		if (index-- == 0) {
			*key = v->lines[i].key;
			*value = v->lines[i].value;
			*line = v->lines[i].lineno;
			return true;
		}
	}
	return false;
}

/* '#' in pat matches one or more digits; everything else case-insensitively. */
static bool key_matches(const char *pat, const char *key)
{
	while (*pat) {
		if (*pat == '#') {
			if (!isdigit((unsigned char)*key))
				return false;
			while (isdigit((unsigned char)*key))
				key++;
			pat++;
			continue;
		}
		if (tolower((unsigned char)*pat) != tolower((unsigned char)*key))
			return false;
		pat++;
		key++;
	}
	return *key == '\0';
}

unsigned vmx_report_unknown(const struct vmx *v, const char *const *patterns)
{
	const char *key, *value;
	unsigned line, unknown = 0;

	for (size_t i = 0; vmx_entry(v, i, &key, &value, &line); i++) {
		bool known = false;
		for (const char *const *p = patterns; *p && !known; p++)
			known = key_matches(*p, key);
		if (!known) {
			log_info("vmx", "%s:%u: unknown key \"%s\" kept as it is", v->path, line, key);
			unknown++;
		}
	}
	return unknown;
}
