/* tend test: busted specs in a trusted harness state (see lua/harness.h). */
#define _DEFAULT_SOURCE /* fts */
#include <dirent.h>
#include <fts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "eval/harness.h"

const char tend_help_test[] =
    "usage: tend test [--playbook DIR] [busted options] [PATH...]\n"
    "\n"
    "Runs busted specs in a trusted harness state. A spec can `require \"tend\"` and\n"
    "call tend.evaluate(account, {events = {...}, metrics = {...}, now = \"...\"}) to\n"
    "get the result object from the playbook, which runs in its own sandboxed state\n"
    "through the same path as `tend eval` (a spec never shares a state with it).\n"
    "\n"
    "PATH is a playbook folder (its spec/ folder is run against it), a spec folder\n"
    "or a spec file; default: the current folder. --playbook sets the playbook when\n"
    "PATH is not one. Other options pass to busted: -o TAP, -o json, --filter, ...\n"
    "\n"
    "Also in the spec API: tend.playbook(DIR) opens another playbook,\n"
    "tend.check(DIR) returns ok, problems; tend.json encodes and decodes.\n"
    "\n"
    "Exit: 0 all specs pass; 1 any failure or error; 3 the playbook does not load.\n";

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A playbook folder holds *.lua files of its own. */
static int has_lua_files(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        found = n > 4 && strcmp(e->d_name + n - 4, ".lua") == 0;
    }
    closedir(d);
    return found;
}

/* Whether the file at path calls describe( at the start of a line: a spec. */
static int calls_describe(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[1024];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        const char *p = line + strspn(line, " \t");
        found = !strncmp(p, "describe", 8) && strchr("( \"'", p[8]);
    }
    fclose(f);
    return found;
}

/* busted runs only *_spec.lua: a file under a spec folder that is a spec
 * by its content but not by its name would silently not run. Reports each
 * such file on stderr; returns how many. Support modules (no describe) are
 * fine. */
static int misnamed_specs(char *dir) {
    char *roots[] = {dir, NULL};
    FTS *walk = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
    int bad = 0;
    for (FTSENT *e; walk && (e = fts_read(walk));) {
        size_t n = e->fts_namelen;
        if (e->fts_level > 0 && e->fts_name[0] == '.') {
            if (e->fts_info == FTS_D) fts_set(walk, e, FTS_SKIP);
        } else if (e->fts_info == FTS_F && n > 4 && !strcmp(e->fts_name + n - 4, ".lua") &&
                   !(n > 9 && !strcmp(e->fts_name + n - 9, "_spec.lua")) && calls_describe(e->fts_path)) {
            fprintf(stderr, "tend test: %s: a spec (it calls describe) whose name does not end in _spec.lua: "
                            "busted would not run it; rename it\n",
                    e->fts_path);
            bad++;
        }
    }
    if (walk) fts_close(walk);
    return bad;
}

/* Options of busted that take a value, so their value is not taken for a PATH. */
static int takes_value(const char *opt) {
    static const char *const with_value[] = {"-o", "--output", "-t", "--tags", "--exclude-tags", "--filter",
                                             "--filter-out", "-p", "--pattern", "-m", "--lpath", "--helper",
                                             "-r", "--run", "--seed", "--repeat", "-e", NULL};
    for (int i = 0; with_value[i]; i++)
        if (!strcmp(opt, with_value[i])) return 1;
    return 0;
}

int tend_cmd_test(int argc, char **argv) {
    const char *playbook = NULL;
    char **args = calloc((size_t)argc + 4, sizeof *args);
    char **owned = calloc((size_t)argc + 1, sizeof *owned);
    int n = 0, nowned = 0, paths = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            free(args);
            free(owned);
            return tend_cmd_help(2, (char *[]){"help", "test", NULL});
        }
        if (!strcmp(a, "--playbook")) {
            if (i + 1 >= argc) return tend_usage_error("test", "--playbook needs a folder");
            playbook = argv[++i];
            continue;
        }
        if (a[0] == '-') {
            args[n++] = argv[i];
            if (takes_value(a) && i + 1 < argc) args[n++] = argv[++i];
            continue;
        }
        paths++;
        /* A playbook folder: run its spec/ against it. */
        char spec[4096];
        snprintf(spec, sizeof spec, "%s/spec", a);
        if (is_dir(a) && has_lua_files(a) && is_dir(spec)) {
            if (!playbook) playbook = a;
            args[n++] = owned[nowned++] = strdup(spec);
        } else {
            args[n++] = argv[i];
        }
    }
    if (!paths) {
        if (!playbook && has_lua_files(".") && is_dir("spec")) playbook = ".";
        args[n++] = "spec";
    }
    /* Every *_spec.lua under the paths, whatever busted's .busted file says. */
    args[n++] = "--pattern=_spec";
    int misnamed = 0;
    for (int i = 0; i < n; i++)
        if (args[i][0] != '-' && is_dir(args[i])) misnamed += misnamed_specs(args[i]);
    lua_State *L = misnamed ? NULL : tend_harness_new(playbook);
    int code = 1;
    if (misnamed) {
        /* reported above; nothing runs, so a green run always ran everything */
    } else if (!L) {
        fprintf(stderr, "tend test: cannot create the harness state\n");
    } else {
        for (int i = 0; i < n; i++) /* spec folders can hold support modules */
            if (args[i][0] != '-' && is_dir(args[i])) tend_harness_add_path(L, args[i]);
        code = tend_harness_run_busted(L, args, n);
        tend_harness_close(L);
    }
    for (int i = 0; i < nowned; i++) free(owned[i]);
    free(owned);
    free(args);
    return code;
}
