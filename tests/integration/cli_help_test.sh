#!/bin/bash
# The help a user reads agrees with what the parser does:
#   - for every command `nabla help` lists, `nabla COMMAND --help` marks as
#     "(required)" exactly the options its synopsis writes outside
#     brackets, and its synopsis mentions every option;
#   - README.md's synopsis of each command says the same, and `nabla help`'s
#     one-line summary shows every required option;
#   - defaults print as typed ("--momentum arg (=0.9)", never 17 digits);
#   - README.md's op table lists exactly the built-in ops of `nabla ops`;
#   - `nabla --version` prints graph/version.h's version and the plugin ABI.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"
readme="$root/README.md"

# The options a synopsis mentions, one per line: "R --name" outside
# brackets (required), "O --name" inside. Parenthesised remarks are skipped.
synopsis_options() {
  awk '{
    text = text " " $0
  } END {
    depth = 0; paren = 0; word = ""
    n = length(text)
    for (i = 1; i <= n + 1; i++) {
      c = (i <= n) ? substr(text, i, 1) : " "
      if (c == "(") paren++
      if (c == ")") paren--
      if (c == "[") depth++
      if (c == "]" || c == " " || c == "|" || c == "=") {
        if (paren == 0 && word ~ /^--?[a-z][a-z0-9-]*$/) print (depth == 0 ? "R " : "O ") word
        word = ""
      } else if (c != "[" && c != "(" && c != ")") {
        word = word c
      }
      if (c == "]") depth--
    }
  }' | sort -u
}

# The options of a --help text, one per line: "R NAMES" for those marked
# (required), "O NAMES" for the others, NAMES being the option's names
# ("-o --out" for "-o [ --out ] arg"). --help itself is left out.
help_options() {
  sed -n '/^options:$/,$p' | grep -E '^  -' | sed -E 's/^  //; s/ {2,}.*//' |
    while IFS= read -r left; do
      names=$(grep -oE -- '--?[a-z][a-z0-9-]*' <<<"${left%% arg*}" | tr '\n' ' ')
      names="${names% }"
      [[ "$names" == "-h --help" ]] && continue
      if [[ "$left" == *"(required)"* ]]; then echo "R $names"; else echo "O $names"; fi
    done
}

# Checks a synopsis (synopsis_options) against an option list
# (help_options): each option mentioned under one of its names, required
# in one exactly when required in the other, and no unknown option.
compare() {
  local what="$1" synopsis="$2" help="$3" kind names name found required
  while read -r kind names; do
    [[ -n "$kind" ]] || continue
    found=0 required=0
    for name in $names; do
      grep -qx -- "[RO] $name" <<<"$synopsis" && found=1
      grep -qx -- "R $name" <<<"$synopsis" && required=1
    done
    ((found)) || fail "$what: the synopsis does not mention ${names##* }"
    if [[ "$kind" == R ]]; then
      ((required)) || fail "$what: ${names##* } is (required) in --help, in brackets in the synopsis"
    else
      ((!required)) || fail "$what: the synopsis requires ${names##* }, --help does not"
    fi
  done <<<"$help"
  while read -r kind name; do
    [[ -n "$kind" ]] || continue
    grep -qE -- "^[RO] (.* )?$name( |\$)" <<<"$help" ||
      fail "$what: the synopsis mentions $name, which is no option"
  done <<<"$synopsis"
}

# Commands as `nabla help` lists them (the first word of each indented
# line under "commands:").
run "$nabla" help
[[ $rc == 0 ]] || fail "nabla help: exit $rc"
commands=$(sed -n '/^commands:$/,/^$/p' "$work/stdout" | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
[[ $(wc -w <<<"$commands") -ge 7 ]] || fail "nabla help lists only: $commands"
grep -q -- "--version" "$work/stdout" || fail "nabla help does not mention --version"

# README.md's synopsis block: "nabla COMMAND ..." lines with their
# indented continuation lines, comments after "#" dropped.
readme_block=$(awk '/^## The `nabla` command line/ { section = 1 }
                    section && /^```sh$/ { inside = 1; next }
                    inside && /^```$/ { exit }
                    inside { print }' "$readme" | sed 's/  *#.*$//')
[[ -n "$readme_block" ]] || fail "no synopsis block in README.md"

nabla_help=$(cat "$work/stdout")
for command in $commands; do
  run "$nabla" "$command" --help
  [[ $rc == 0 ]] || fail "nabla $command --help: exit $rc"
  help_text=$(cat "$work/stdout")
  help=$(help_options <<<"$help_text")
  [[ -n "$help" ]] || [[ "$command" == ops && -n "$help_text" ]] ||
    fail "nabla $command --help lists no options"
  synopsis=$(sed -n "/^usage: nabla $command /,/^\$/p" <<<"$help_text" |
    sed "1s/^usage: nabla $command //" | synopsis_options)
  compare "nabla $command --help" "$synopsis" "$help"

  entry=$(awk -v cmd="nabla $command" '
    index($0, cmd " ") == 1 || $0 == cmd { keep = 1; print substr($0, length(cmd) + 1); next }
    keep && /^[ \t]/ { print; next }
    { keep = 0 }' <<<"$readme_block")
  [[ -n "$entry" ]] || fail "README.md's synopsis has no 'nabla $command' line"
  compare "README.md's nabla $command" "$(synopsis_options <<<"$entry")" "$help"

  # `nabla help`'s line elides optional options ("..."), never required ones.
  brief=$(sed -n '/^commands:$/,/^$/p' <<<"$nabla_help" | grep -E "^  $command( |\$)" |
    sed -E "s/^  $command//; s/ {2,}.*//" | synopsis_options)
  while read -r kind names; do
    [[ "$kind" == R ]] || continue
    found=0
    for name in $names; do grep -qx -- "R $name" <<<"$brief" && found=1; done
    ((found)) || fail "nabla help's line for $command does not show the required ${names##* }"
  done <<<"$help"
  while read -r kind name; do
    [[ -n "$kind" ]] || continue
    grep -qE -- "^[RO] (.* )?$name( |\$)" <<<"$help" ||
      fail "nabla help's line for $command mentions $name, which is no option"
  done <<<"$brief"

  # Defaults as a user types them.
  if grep -E '\(=[^)]*[0-9]{8,}' <<<"$help_text"; then
    fail "nabla $command --help prints a default with too many digits"
  fi
done
pass "every command's synopsis, --help and README.md agree"

run "$nabla" train --help
grep -qE '^  --momentum arg \(=0\.9\) ' "$work/stdout" || fail "train --help: --momentum default"
grep -qE '^  --lr arg \(=0\.01\) ' "$work/stdout" || fail "train --help: --lr default"
grep -qE '^  --data arg \(required\) ' "$work/stdout" || fail "train --help: --data not required"
grep -qE '^  --save arg  ' "$work/stdout" || fail "train --help: --save is optional"
grep -qE '^  MODEL  +graph file' "$work/stdout" || fail "train --help: no MODEL argument"
pass "train --help prints its defaults readably"

# README.md's op table: one row per family, the ops comma-separated, each
# possibly followed by a parenthesised remark.
run "$nabla" ops
[[ $rc == 0 ]] || fail "nabla ops: exit $rc"
builtin=$(sed -n 's/^\([A-Za-z0-9]*\)  \[built-in .*/\1/p' "$work/stdout" | sort)
[[ $(wc -l <<<"$builtin") -ge 20 ]] || fail "nabla ops lists only $(wc -l <<<"$builtin") built-in ops"
documented=$(awk '/^## Ops$/ { section = 1; next } section && /^## / { exit }
                  section && /^\| [a-z]+ \| / && !/^\| family / { print }' "$readme" |
  awk -F'|' '{ print $3 }' | sed -E 's/\([^)]*\)//g; s/,/\n/g' | sed -E 's/^ +//; s/ .*$//' |
  grep -v '^$' | sort)
[[ "$documented" == "$builtin" ]] ||
  fail "README.md's op table differs from nabla ops: $(diff <(echo "$documented") <(echo "$builtin") | tr '\n' ' ')"
pass "README.md lists the $(wc -l <<<"$builtin") built-in ops"

version=$(sed -n 's/^#define NABLA_VERSION "\(.*\)"$/\1/p' "$root/graph/version.h")
abi=$(sed -n 's/^#define NABLA_PLUGIN_ABI_VERSION \([0-9]*\).*/\1/p' "$root/plugins/plugin_api.h")
[[ -n "$version" && -n "$abi" ]] || fail "no NABLA_VERSION or NABLA_PLUGIN_ABI_VERSION"
run "$nabla" --version
[[ $rc == 0 ]] || fail "nabla --version: exit $rc"
[[ "$(sed -n 1p "$work/stdout")" == "nabla $version" ]] || fail "nabla --version: $(cat "$work/stdout")"
grep -qE "^plugin ABI $abi, compiler (gcc|clang) [0-9]+\.[0-9]+ " "$work/stdout" ||
  fail "nabla --version: no plugin ABI $abi and compiler line: $(cat "$work/stdout")"
[[ ! -s "$work/stderr" ]] || fail "nabla --version wrote to stderr"
pass "nabla --version: $(tr '\n' ';' <"$work/stdout")"
