/* valgrind_driver.c — runs every malformed case and the tfvalue fuzz seed corpora outside
 * Criterion (whose forking hides leaks), so that valgrind sees every allocation path.
 * Usage: tfvalue_valgrind_driver [--msgpack DIR] [--json DIR] */
#include "malformed_cases.h"
#include "tfvalue_fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void report(const char *name, const char *detail)
{
    fprintf(stderr, "FAIL malformed case \"%s\": %s\n", name, detail);
}

static int read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    tf_buf b = {0};
    uint8_t chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) tf_buf_put(&b, chunk, n);
    fclose(f);
    *len = b.len;
    *data = malloc(b.len ? b.len : 1); /* exact size, so valgrind sees over-reads */
    if (b.len) memcpy(*data, b.data, b.len);
    tf_buf_free(&b);
    return 0;
}

static int run_corpus(const char *dir, void (*one)(const uint8_t *, size_t))
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "cannot open corpus %s\n", dir);
        return -1;
    }
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        uint8_t *data;
        size_t len;
        if (read_file(path, &data, &len) < 0) continue;
        one(data, len);
        free(data);
        count++;
    }
    closedir(d);
    printf("%s: %d inputs\n", dir, count);
    return count;
}

int main(int argc, char **argv)
{
    size_t ran = 0;
    int failures = tfv_run_malformed_cases(report, &ran);
    printf("malformed cases: %zu run, %d not rejected properly\n", ran, failures);
    for (int i = 1; i + 1 < argc; i += 2) {
        void (*one)(const uint8_t *, size_t) = NULL;
        if (strcmp(argv[i], "--msgpack") == 0)
            one = fuzz_msgpack_one;
        else if (strcmp(argv[i], "--json") == 0)
            one = fuzz_state_json_one;
        if (!one || run_corpus(argv[i + 1], one) < 0) failures++;
    }
    return failures ? 1 : 0;
}
