/* .vmx configuration files, VMware's syntax: `key = "value"` lines, `#`
 * comments, blank lines.  Keys are case-insensitive; values are strings with
 * typed getters.  The file's comments, order and unknown keys survive
 * vmx_save(), which writes atomically (temporary file + rename).
 *
 * Functions return 0 or a negative errno; on error, vmx_error() holds a
 * message that names the file and line ("guest.vmx:12: ..."). */
#ifndef HOSTVM_VMX_H
#define HOSTVM_VMX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmx;

/* Parses path.  On failure *out is NULL and err (errlen bytes) holds the
 * message; on success *out must be freed with vmx_free(). */
int vmx_load(const char *path, struct vmx **out, char *err, size_t errlen);
void vmx_free(struct vmx *v);

const char *vmx_path(const struct vmx *v);
const char *vmx_error(const struct vmx *v);

/* The raw value (the last occurrence wins), or NULL. */
const char *vmx_get(const struct vmx *v, const char *key);
/* Line of the key's last occurrence, 0 if absent. */
unsigned vmx_line(const struct vmx *v, const char *key);

/* Typed getters: absent keys give def and return 0; a malformed or
 * out-of-range value returns -EINVAL with vmx_error() naming file and line. */
int vmx_get_bool(struct vmx *v, const char *key, bool def, bool *out);
int vmx_get_int(struct vmx *v, const char *key, int64_t def, int64_t min, int64_t max, int64_t *out);
/* Sizes: a number with an optional K/M/G/T suffix (binary units); unit is
 * what a bare number means (1 for bytes, 1 << 20 for memsize's MiB). */
int vmx_get_size(struct vmx *v, const char *key, uint64_t unit, uint64_t def,
		 uint64_t min, uint64_t max, uint64_t *out);
int vmx_get_mac(struct vmx *v, const char *key, uint8_t mac[6], bool *present);

/* Records an error about key (naming the line it is on) for vmx_error(). */
void vmx_fail(struct vmx *v, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Sets key (replacing the last occurrence in place, or appending). */
int vmx_set(struct vmx *v, const char *key, const char *value);
/* Writes the file back atomically, keeping comments and order. */
int vmx_save(struct vmx *v);

/* Iteration over distinct keys in file order (the last occurrence of each):
 * index from 0 while it returns true. */
bool vmx_entry(const struct vmx *v, size_t index, const char **key, const char **value, unsigned *line);

/* Logs each key that matches none of the patterns once ('#' in a pattern
 * matches a run of digits); returns how many were unknown. */
unsigned vmx_report_unknown(const struct vmx *v, const char *const *patterns);

#endif
