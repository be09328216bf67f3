/* serve.c — the provider process's entry point: flags, go-plugin's magic cookie, protocol version
 * negotiation (protocol 6 only), then the RPC server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "tflog.h"
#include "tfrpc.h"

#define MAGIC_COOKIE_KEY   "TF_PLUGIN_MAGIC_COOKIE"
#define MAGIC_COOKIE_VALUE "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"

static void usage(const tf_provider_def *def)
{
    fprintf(stderr,
            "terraform-provider-%s %s\n\n"
            "This binary is a Terraform provider plugin: Terraform starts it by itself.\n\n"
            "  --version   print the version and exit\n"
            "  --debug     serve for many Terraform runs (prints TF_REATTACH_PROVIDERS to use)\n",
            def->name, def->version);
}

bool tf_protocol_offered(const char *versions, int want)
{
    /* a comma-separated list of decimal versions; anything else in an entry means not offered */
    for (const char *p = versions; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        long v = 0;
        size_t i = 0;
        while (i < n && p[i] == ' ') i++;
        size_t digits = i;
        while (i < n && p[i] >= '0' && p[i] <= '9' && v < 1000) v = v * 10 + (p[i++] - '0');
        if (i > digits && i == n && v == want) return true;
        if (!end) break;
        p = end + 1;
    }
    return false;
}

/* go-plugin picks the highest version both sides speak; this provider speaks 6 only. */
static int check_protocol(void)
{
    const char *v = getenv("PLUGIN_PROTOCOL_VERSIONS");
    if (!v || !*v) return 0; /* nothing offered: the client uses its default, it will check */
    if (tf_protocol_offered(v, 6)) return 0;
    fprintf(stderr,
            "This provider speaks plugin protocol 6 only, but the client offered \"%s\".\n"
            "Use Terraform 1.0 or later, or OpenTofu 1.6 or later.\n",
            v);
    return -1;
}

int tf_serve(const tf_provider_def *def, int argc, char **argv)
{
    int parent = (int)getppid(); /* first: see rpc_server_config.parent_pid */
    bool debug = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-v") == 0) {
            printf("terraform-provider-%s %s (plugin protocol 6)\n", def->name, def->version);
            return 0;
        } else if (strcmp(argv[i], "--debug") == 0) {
            debug = true;
        } else {
            usage(def);
            return 2;
        }
    }
    const char *cookie = getenv(MAGIC_COOKIE_KEY);
    if (!debug && (!cookie || strcmp(cookie, MAGIC_COOKIE_VALUE) != 0)) {
        fprintf(stderr,
                "This binary is a plugin. These are not meant to be executed directly.\n"
                "Please execute the program that consumes these plugins, which will\n"
                "load any plugins automatically.\n"
                "(terraform-provider-%s: run Terraform with this provider installed, or start it "
                "with --debug to attach Terraform to it.)\n",
                def->name);
        return 1;
    }
    if (!debug && check_protocol() != 0) return 1;
    /* The process holds API keys, private keys and env values: no core dumps (and no ptrace by
     * other users) unless asked for, for debugging. */
    const char *cores = getenv("PHALA_PROVIDER_CORE_DUMPS");
    if (!cores || strcmp(cores, "1") != 0) prctl(PR_SET_DUMPABLE, 0);
    tf_log_init();
    tf_rpc_init(def);
    rpc_server_config cfg = {
        .debug = debug, .provider_address = def->source_address, .parent_pid = parent};
    cfg.methods = tf_rpc_methods(&cfg.n_methods);
    return rpc_serve(&cfg);
}
