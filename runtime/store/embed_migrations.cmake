# Generates the C table of migrations from runtime/store/migrations/*.sql,
# so an installed tend carries its schema and needs no source tree.
# Run at build time: cmake -DSRC_DIR=<migrations> -DOUT=<file.c> -P embed_migrations.cmake
# Each file is NNN_name.sql; its bytes are embedded as they are, with their
# SHA-256 (what `tend db migrate` compares against schema_migrations).
cmake_policy(VERSION 3.16)
file(GLOB files RELATIVE ${SRC_DIR} ${SRC_DIR}/*.sql)
list(SORT files)
set(arrays "")
set(rows "")
set(seen "")
set(count 0)
foreach(f ${files})
  if(NOT f MATCHES "^([0-9][0-9][0-9])_([a-z0-9_]+)\\.sql$")
    message(FATAL_ERROR "${SRC_DIR}/${f}: a migration is named NNN_name.sql (three digits; lower case, digits, _)")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  set(name ${CMAKE_MATCH_2})
  if(version IN_LIST seen)
    message(FATAL_ERROR "${SRC_DIR}/${f}: version ${version} is used twice")
  endif()
  list(APPEND seen ${version})
  file(READ ${SRC_DIR}/${f} hex HEX)
  file(SHA256 ${SRC_DIR}/${f} sum)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND arrays "static const char m${version}[] = {${bytes}0x00};\n")
  string(APPEND rows "    {${version}, \"${name}\", \"${f}\", m${version}, sizeof m${version} - 1, \"${sum}\"},\n")
  math(EXPR count "${count} + 1")
endforeach()
if(count EQUAL 0)
  message(FATAL_ERROR "${SRC_DIR}: no migrations")
endif()
file(WRITE ${OUT}
  "/* Generated from the .sql files of runtime/store/migrations by embed_migrations.cmake: do not edit. */\n"
  "#include \"store/migrations.h\"\n\n"
  "${arrays}\n"
  "const tend_migration tend_migrations[] = {\n${rows}};\n"
  "const size_t tend_migration_count = ${count};\n")
