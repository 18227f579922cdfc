/* libFuzzer harness: the playbook loader and the isolation of accounts
 * (eval/playbook.c, lua/sandbox.c, lua/isolate.c): each input is a
 * playbook's rules.lua, loaded, frozen, and run for two accounts under a
 * small memory cap and time budget. Refusals and failing accounts are
 * expected; a crash, a sanitizer report or a hang is a finding. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/fields.h"
#include "eval/playbook.h"

static char dir[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!dir[0]) {
        strcpy(dir, "/tmp/tend-fuzz-playbook.XXXXXX");
        if (!mkdtemp(dir)) abort();
    }
    char path[128];
    snprintf(path, sizeof path, "%s/rules.lua", dir);
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    fwrite(data, 1, size, f);
    fclose(f);
    tend_playbook_opts o = {.mem_limit = (size_t)32 << 20, .eval_timeout_ms = 200};
    tend_buf problems = {0}, out = {0};
    tend_error err;
    tend_playbook *pb = NULL;
    if (tend_playbook_open(dir, &o, &pb, &problems, &err) == TEND_OK) {
        static const char *const ids[] = {"acme", "beta"};
        for (int i = 0; i < 2; i++) {
            json_t *raw = json_pack("{s:s, s:i, s:s}", "id", ids[i], "employees", 40 * (i + 1), "region", "south");
            json_t *acc = tend_account_normalize(raw, 0, &err);
            if (acc) (void)tend_playbook_evaluate(pb, acc, NULL, 1795312800, &out, &err);
            json_decref(acc);
            json_decref(raw);
        }
        tend_playbook_close(pb);
    }
    tend_buf_free(&problems);
    tend_buf_free(&out);
    return 0;
}
