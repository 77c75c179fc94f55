// The subcommand table.  To add a subcommand, add one line here (and the
// function's declaration in commands.h or its own module's header).
#include "cli/commands.h"

#include "cli/cli.h"
#include "jobs/loan/loan_commands.h"
#include "jobs/mapreduce/mapreduce_commands.h"

namespace gridless {
namespace {

constexpr Command kCommands[] = {
    {"run", "JOB.json [--workers N] [--slots S] [--json] [--out DIR] [--quiet]",
     "run a job on an embedded coordinator with local worker processes",
     &RunCommand},
    {"submit", "JOB.json [--coordinator ADDR]",
     "submit a job to a running coordinator and print its id", &SubmitCommand},
    {"watch", "ID [--coordinator ADDR]",
     "show a job's progress until it ends; exit code by its final state",
     &WatchCommand},
    {"result", "ID [--json] [--wait] [--coordinator ADDR]",
     "print a job's result", &ResultCommand},
    {"cancel", "ID [--coordinator ADDR]", "cancel a job", &CancelCommand},
    {"list", "[--json] [--coordinator ADDR]", "list the coordinator's jobs",
     &ListCommand},
    {"failures", "ID [--json] [--verbose] [--coordinator ADDR]",
     "list a job's dead-lettered tasks with their errors", &FailuresCommand},
    {"retry", "ID [--wait] [--json] [--quiet] [--coordinator ADDR]",
     "rerun the dead-lettered tasks of a failed or partial job", &RetryCommand},
    {"report", "ID --out FILE [--http ADDR]",
     "write a job's dashboard page as one self-contained HTML file",
     &ReportCommand},
    {"kinds", "[KIND] [--json]",
     "list the job kinds with their parameters, meanings and defaults",
     &KindsCommand},
    {"gen-loans", "--count N --format F --out FILE [--seed S]",
     "write a synthetic loan tape (fannie-sflp, fannie-acq, freddie-orig, csv)",
     &GenLoansCommand},
    {"loan-cashflows", "--balance B --rate R --term N [...]",
     "print the deterministic month-by-month cash flows of a loan or pool",
     &LoanCashflowsCommand},
    {"convert-tape", "TAPE --out FILE.gtape [--format F] [--skip-bad-rows]",
     "convert a loan tape to the columnar .gtape (mapped, planned from its "
     "header)",
     &ConvertTapeCommand},
    {"verify-manifest", "RESULT.json [--tape FILE]",
     "check a loan-mc result's tape against its run manifest (SHA-256)",
     &VerifyManifestCommand},
    {"gen-records", "--count N --out FILE [--seed S]",
     "write gensort -a records (100-byte lines) for the sort kind",
     &GenRecordsCommand},
    {"validate-sort", "INPUT... --output DIR",
     "check a sort job's output is sorted and complete (like valsort)",
     &ValidateSortCommand},
    {"gen-text", "--bytes B --out FILE [--seed S]",
     "write English-like text for the wordcount kind", &GenTextCommand},
    {"gen-bdb", "--table uservisits|rankings (--rows N | --bytes B) --out FILE",
     "write a Big Data Benchmark table (CSV) for the groupby kind",
     &GenBdbCommand},
};

}  // namespace

std::span<const Command> Commands() { return kCommands; }

}  // namespace gridless
