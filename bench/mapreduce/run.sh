#!/usr/bin/env bash
# bench/mapreduce/run.sh: Gridless map-reduce against the usual tools, on one
# generated data set and the same cores, in one run (issue 5):
#   word count  vs  LC_ALL=C tr -cs A-Za-z '\n' | sort | uniq -c,  and Dask bag
#   group-by    vs  Dask dataframe (uservisits aggregation, prefix 8)
#   sort        vs  LC_ALL=C sort --parallel=2 -S 50%, a sweep over sizes
#               (default 50, 200 and 1000 MB of gensort-style 100-byte
#               records; issue 15), each size --repeat times side by side,
#               with where Gridless's time goes per phase (plan, map_read,
#               partition, run_write, reduce_read, merge, output_write:
#               seconds summed over tasks, from the job's phase_log)
# Prints tables: seconds, MB/s of input, and speed-up (their time / ours),
# beside the disk's sequential read rate.  Each input is read once before the
# timings, so every tool starts from a warm page cache.  Every output is
# checked in the same run (sort: validate-sort, and byte-identical to
# sort(1)'s); a mismatch fails the run (exit 1, files kept).
#
# usage: bench/mapreduce/run.sh [--size-mb N | --1gb] [--workers N]
#                               [--only sort] [--sort-sizes "50 200 1000"]
#                               [--repeat N] [--build DIR] [--work DIR] [--keep]
#   --only sort   only the sort sweep (quick with --sort-sizes "50 200")
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
size_mb=100
workers=2
build="$root/build"
work=""
keep=0
only=""
sort_sizes="50 200 1000"
repeat=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --only) only=$2; shift 2 ;;
    --sort-sizes) sort_sizes=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --size-mb) size_mb=$2; shift 2 ;;
    --1gb) size_mb=1000; shift ;;
    --workers) workers=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [[ -n $only && $only != sort ]]; then
  echo "run.sh: --only takes 'sort'" >&2; exit 2
fi
gridless="$build/bin/gridless"
if [[ ! -x "$gridless" ]]; then
  echo "run.sh: $gridless not found; build it (cmake --build $build --target gridless gridless-worker) or pass --build DIR" >&2
  exit 2
fi
if [[ -z "$work" ]]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/gridless-mr-bench.XXXXXX")
fi
mkdir -p "$work"
cleanup() { if [[ $keep == 0 ]]; then rm -rf "$work"; fi; }
trap cleanup EXIT

bytes=$((size_mb * 1000 * 1000))
# About 8 map tasks per data set, at least 8 MB each.
split_for() { local b=$(($1 / 8)); if (( b < 8000000 )); then b=8000000; fi; echo $b; }
split=$(split_for "$bytes")
reducers=4
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
load() { awk '{ print $1, $2, $3 }' /proc/loadavg; }
echo "== load average (1, 5, 15 min) at start: $(load)" >&2
load_start=$(load)

job() {  # job NAME KIND PARAMS-JSON
  cat > "$work/$1.json" <<JSON
{"kind": "$2", "params": $3}
JSON
}

rows=()
record() {  # record WORKLOAD TOOL SECONDS INPUT-FILE
  local mbs
  mbs=$(awk -v s="$3" -v b="$(stat -c %s "$4")" 'BEGIN { printf "%.1f", b / 1e6 / s }')
  rows+=("$1"$'\t'"$2"$'\t'"$3"$'\t'"$mbs")
  echo "   $1 / $2: $3 s ($mbs MB/s)" >&2
}
fail() {  # fail MESSAGE: the run fails (exit 1), files kept
  echo "run.sh: FAIL: $1" >&2
  echo "   inputs and outputs kept in $work" >&2
  keep=1
  exit 1
}
# same_or_fail A B WHAT: the run fails (exit 1, files kept) unless A and B
# are byte-identical.  A benchmark of a wrong answer measures nothing.
same_or_fail() {
  if ! cmp -s "$1" "$2"; then
    diff "$1" "$2" | head -5 >&2 || true
    fail "$3: outputs differ ($1 vs $2)"
  fi
  echo "   $3: identical ($(wc -l < "$1") lines)" >&2
}
run_gridless() {  # run_gridless NAME WORKLOAD INPUT
  local t0 t1
  t0=$(now)
  "$gridless" run "$work/$1.json" --workers "$workers" --json > "$work/$1.result.json"
  t1=$(now)
  record "$2" "gridless ($workers workers)" "$(elapsed "$t0" "$t1")" "$3"
}

dask_seconds() {  # dask_seconds QUERY INPUT OUTDIR [ARGS...]: compute seconds
  local line
  line=$(/usr/bin/python3 "$here/dask_bench.py" "$@" --workers "$workers" 2>"$work/dask.log" | tail -1 || true)
  if [[ $line != seconds=* ]]; then
    echo "run.sh: Dask $1 failed; see $work/dask.log" >&2
    tail -5 "$work/dask.log" >&2
    exit 1
  fi
  line=${line#seconds=}
  echo "${line%% *}"
}

print_table() {  # the rows recorded so far, with speed-ups
  printf '| %-12s | %-32s | %8s | %8s | %-22s |\n' workload tool seconds "MB/s" "gridless speed-up"
  printf '|%s|%s|%s|%s|%s|\n' -------------- ---------------------------------- ---------- ---------- ------------------------
  declare -A ours_s
  local r w t s m ratio
  for r in "${rows[@]}"; do
    IFS=$'\t' read -r w t s m <<< "$r"
    if [[ $t == gridless* ]]; then ours_s[$w]=$s; fi
  done
  for r in "${rows[@]}"; do
    IFS=$'\t' read -r w t s m <<< "$r"
    if [[ $t == gridless* ]]; then
      ratio="-"
    else
      ratio=$(awk -v a="$s" -v b="${ours_s[$w]}" 'BEGIN { printf "%.2fx", a / b }')
    fi
    printf '| %-12s | %-32s | %8s | %8s | %-22s |\n' "$w" "$t" "$s" "$m" "$ratio"
  done
}

if [[ $only != sort ]]; then
  echo "== generating ${size_mb} MB data sets in $work" >&2
  "$gridless" gen-text --bytes "$bytes" --out "$work/text.txt" --seed 1 >&2
  "$gridless" gen-bdb --table uservisits --bytes "$bytes" --out "$work/uservisits.csv" --seed 1 >&2
  # Sequential read rate of the disk (O_DIRECT, bypassing the page cache).
  disk_rate=$(dd if="$work/text.txt" of=/dev/null bs=4M iflag=direct 2>&1 | tail -1 | awk -F, '{print $NF}')
  for f in text.txt uservisits.csv; do cat "$work/$f" > /dev/null; done

  job wc wordcount "{\"input\": \"$work/text.txt\", \"output\": \"$work/wc-out\", \"reducers\": $reducers, \"split_bytes\": $split, \"sync_output\": false}"
  job groupby groupby "{\"input\": \"$work/uservisits.csv\", \"output\": \"$work/gb-out\", \"reducers\": $reducers, \"split_bytes\": $split, \"query\": \"aggregation\", \"prefix_length\": 8, \"sync_output\": false}"

  echo "== word count" >&2
  run_gridless wc "word count" "$work/text.txt"
  t0=$(now)
  LC_ALL=C tr -cs A-Za-z '\n' < "$work/text.txt" | LC_ALL=C sort | uniq -c > "$work/wc-tr.txt"
  t1=$(now)
  record "word count" "tr + sort + uniq -c" "$(elapsed "$t0" "$t1")" "$work/text.txt"
  mkdir -p "$work/wc-dask"
  record "word count" "Dask bag ($workers procs)" \
    "$(dask_seconds wordcount "$work/text.txt" "$work/wc-dask")" "$work/text.txt"
  # Every (word, count) pair must match the shell pipeline's and Dask's.
  LC_ALL=C sort "$work"/wc-out/part-* > "$work/wc-ours.tsv"
  awk '$2 != "" {print $2 "\t" $1}' "$work/wc-tr.txt" | LC_ALL=C sort > "$work/wc-tr.tsv"
  cat "$work"/wc-dask/part-*.txt | LC_ALL=C sort > "$work/wc-dask.tsv"
  same_or_fail "$work/wc-ours.tsv" "$work/wc-tr.tsv" "word count: gridless vs tr|sort|uniq -c"
  same_or_fail "$work/wc-ours.tsv" "$work/wc-dask.tsv" "word count: gridless vs Dask bag"

  echo "== group-by" >&2
  run_gridless groupby "group-by" "$work/uservisits.csv"
  mkdir -p "$work/gb-dask"
  record "group-by" "Dask dataframe ($workers procs)" \
    "$(dask_seconds groupby "$work/uservisits.csv" "$work/gb-dask" --prefix 8)" \
    "$work/uservisits.csv"
  # The same groups, and each sum equal to Dask's within 1e-9 relative (the two
  # add the same revenues in different orders, so the last bits may differ).
  LC_ALL=C sort "$work"/gb-out/part-* > "$work/gb-ours.tsv"
  LC_ALL=C sort "$work/gb-dask/result.tsv" > "$work/gb-dask.tsv"
  if ! gb_diff=$(LC_ALL=C join -t $'\t' -a1 -a2 -e MISSING -o 0,1.2,2.2 \
        "$work/gb-ours.tsv" "$work/gb-dask.tsv" |
      awk -F'\t' '$2 == "MISSING" || $3 == "MISSING" { print; bad = 1; next }
        { d = $2 - $3; if (d < 0) d = -d; m = $3 < 0 ? -$3 : $3
          if (d > 1e-9 * (m > 1 ? m : 1)) { print; bad = 1 } }
        END { exit bad }'); then
    echo "$gb_diff" | head -5 >&2
    fail "group-by: gridless and Dask differ (group, gridless, dask)"
  fi
  echo "   group-by: gridless vs Dask: same $(wc -l < "$work/gb-ours.tsv") groups, sums within 1e-9" >&2
  rm -rf "$work"/text.txt "$work"/uservisits.csv "$work"/wc-* "$work"/gb-*
fi

# The sort sweep: per size, generate the records, then --repeat times run
# gridless and sort(1) back to back on the same warm file (both see the same
# machine load), validate gridless's output and compare it with sort(1)'s
# byte for byte.  The row kept per tool is its median time.
phase_names="plan map_read partition run_write reduce_read merge output_write"
phase_rows=()
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for mb in $sort_sizes; do
  sbytes=$((mb * 1000 * 1000))
  sdat="$work/records-${mb}mb.dat"
  echo "== sort ${mb} MB: generating $((sbytes / 100)) records" >&2
  "$gridless" gen-records --count $((sbytes / 100)) --out "$sdat" --seed 1 >&2
  if [[ -z ${disk_rate:-} ]]; then
    disk_rate=$(dd if="$sdat" of=/dev/null bs=4M iflag=direct 2>&1 | tail -1 | awk -F, '{print $NF}')
  fi
  cat "$sdat" > /dev/null
  sout="$work/sort-out-${mb}mb"
  job "sort-$mb" sort "{\"input\": \"$sdat\", \"output\": \"$sout\", \"reducers\": $reducers, \"split_bytes\": $(split_for "$sbytes"), \"sync_output\": false, \"phase_log\": \"$work/phases-$mb.log\"}"
  ours=() theirs=()
  for ((i = 1; i <= repeat; i++)); do
    rm -f "$work/phases-$mb.log"
    t0=$(now)
    "$gridless" run "$work/sort-$mb.json" --workers "$workers" --quiet --json > "$work/sort-$mb.result.json"
    t1=$(now)
    ours+=("$(elapsed "$t0" "$t1")")
    t0=$(now)
    LC_ALL=C sort --parallel=2 -S 50% -o "$work/sorted-by-sort.dat" "$sdat"
    t1=$(now)
    theirs+=("$(elapsed "$t0" "$t1")")
    echo "   ${mb} MB run $i (load $(load)): gridless ${ours[-1]} s, sort(1) ${theirs[-1]} s" \
         "($(awk -v a="${theirs[-1]}" -v b="${ours[-1]}" 'BEGIN { printf "%.2fx", a / b }'))" >&2
    if ! "$gridless" validate-sort "$sdat" --output "$sout" > "$work/validate.txt" 2>&1; then
      cat "$work/validate.txt" >&2
      fail "sort ${mb} MB: validate-sort refused gridless's output"
    fi
    if ! cat "$sout"/part-* | cmp -s - "$work/sorted-by-sort.dat"; then
      fail "sort ${mb} MB: gridless's output differs from sort(1)'s"
    fi
    echo "   sort ${mb} MB: validate-sort passed; identical to sort(1) ($((sbytes / 100)) records)" >&2
  done
  record "sort ${mb} MB" "gridless ($workers workers)" "$(echo "${ours[*]}" | median)" "$sdat"
  record "sort ${mb} MB" "sort --parallel=2 -S 50%" "$(echo "${theirs[*]}" | median)" "$sdat"
  # Phases of the last gridless run: seconds summed over its tasks.
  phase_rows+=("$(awk -v mb="$mb" -v names="$phase_names" '
      { s[$1] += $2 }
      END { n = split(names, k, " "); line = mb " MB"
            for (i = 1; i <= n; i++) line = line sprintf("\t%.2f", s[k[i]])
            print line }' "$work/phases-$mb.log")")
  rm -rf "$sdat" "$sout" "$work/sorted-by-sort.dat"
done

echo
echo "Data: ${size_mb} MB per data set (sort: ${sort_sizes// /, } MB), $(nproc) cores, disk sequential read ${disk_rate# } (O_DIRECT)"
echo "Load average (1, 5, 15 min): $load_start at start, $(load) at end"
echo
print_table
echo
echo "Where gridless's sort time goes (seconds summed over tasks, last run; the"
echo "tasks of 2 workers overlap, so the sum exceeds the wall time):"
echo
printf '| %-8s |' size; for p in $phase_names; do printf ' %11s |' "$p"; done; echo
printf '|%s|' ----------; for p in $phase_names; do printf '%s|' -------------; done; echo
for r in "${phase_rows[@]}"; do
  IFS=$'\t' read -r -a f <<< "$r"
  printf '| %-8s |' "${f[0]}"
  for ((i = 1; i < ${#f[@]}; i++)); do printf ' %11s |' "${f[$i]}"; done
  echo
done
echo
echo "(speed-up = the tool's time / gridless's time; > 1 means gridless is faster."
echo " gridless times include starting the coordinator and $workers worker processes;"
echo " Dask times exclude cluster start-up. Sort rows: median of $repeat run(s).)"
