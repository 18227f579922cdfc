/* What tend prints about a database: passwords masked, libpq's reasons cut
 * to one line, the embedded cluster's paths from TEND_HOME. */
#include <stdlib.h>

#include "check.h"
#include "store/db.h"
#include "store/home.h"

static const char *masked(const char *url) {
    static char out[512];
    tend_db_mask_url(url, out, sizeof out);
    return out;
}

static const char *scrubbed(const char *url, const char *msg) {
    static char out[512];
    tend_db_scrub(url, msg, out, sizeof out);
    return out;
}

int main(void) {
    CHECK_STR(masked("postgresql://nobody:secret@127.0.0.1:1/x"), "postgresql://nobody:***@127.0.0.1:1/x");
    CHECK_STR(masked("postgres://u:p@h/db?sslmode=require"), "postgres://u:***@h/db?sslmode=require");
    CHECK_STR(masked("postgresql://u@h/db"), "postgresql://u@h/db");
    CHECK_STR(masked("postgresql://h:5432/db"), "postgresql://h:5432/db");
    CHECK_STR(masked("postgresql:///tend?host=/tmp/s"), "postgresql:///tend?host=/tmp/s");
    /* raw '/' or '@' in a password: the secret runs to the authority's last '@' */
    CHECK_STR(masked("postgresql://u:se/cr@t@h/db"), "postgresql://u:***@h/db");
    CHECK_STR(masked("postgresql://h/db?user=u&password=s3&sslmode=disable"),
              "postgresql://h/db?user=u&password=***&sslmode=disable");
    CHECK_STR(masked("host=h user=u password=secret dbname=d"), "host=h user=u password=*** dbname=d");
    CHECK_STR(masked("host=h password = 'sec ret\\' x' dbname=d"), "host=h password = *** dbname=d");
    CHECK_STR(masked("PASSWORD=x"), "PASSWORD=***");
    CHECK_STR(masked("host=h nopassword=x"), "host=h nopassword=x");
    CHECK_STR(masked("host=h passfile=/p"), "host=h passfile=/p");
    char tiny[8];
    tend_db_mask_url("postgresql://u:secret@h/db", tiny, sizeof tiny);
    CHECK_STR(tiny, "postgre");

    CHECK_STR(scrubbed("postgresql://u:se/cr@t@h/db", "invalid integer value \"se\" for connection option \"port\""),
              "invalid integer value \"***\" for connection option \"port\"");
    CHECK_STR(scrubbed("postgresql://u:p@h/db", "invalid URI query parameter: \"bogus\""),
              "invalid URI query parameter: \"bogus\"");
    CHECK_STR(scrubbed("", "no \"quotes\" closed \"here"), "no \"quotes\" closed \"here");

    char reason[128];
    CHECK_STR(tend_db_reason("connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs the "
                             "server running on that host and accepting TCP/IP connections?\n",
                             reason, sizeof reason),
              "Connection refused");
    CHECK_STR(tend_db_reason("invalid URI query parameter: \"bogus\"\n", reason, sizeof reason),
              "invalid URI query parameter: \"bogus\"");
    CHECK_STR(tend_db_reason("", reason, sizeof reason), "unknown error");

    tend_pg_home h;
    tend_error err;
    setenv("TEND_HOME", "/srv/tend//", 1);
    CHECK(tend_pg_home_resolve(&h, &err) == TEND_OK);
    CHECK_STR(h.home, "/srv/tend");
    CHECK_STR(h.data, "/srv/tend/pg/data");
    CHECK_STR(h.socket, "/srv/tend/pg/data/.s.PGSQL.5432");
    CHECK_STR(h.log, "/srv/tend/pg/server.log");
    CHECK(tend_pg_home_socket_fits(&h));
    unsetenv("TEND_HOME");
    CHECK(tend_pg_home_resolve(&h, &err) == TEND_OK);
    CHECK(h.home[0] == '/' && strstr(h.home, "/.tend") && !strstr(h.home, "/./"));
    char longer[300];
    memset(longer, 'x', sizeof longer - 1);
    longer[0] = '/';
    longer[sizeof longer - 1] = 0;
    setenv("TEND_HOME", longer, 1);
    CHECK(tend_pg_home_resolve(&h, &err) == TEND_OK);
    CHECK(!tend_pg_home_socket_fits(&h));
    return check_report();
}
