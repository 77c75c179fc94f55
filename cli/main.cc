// gridless: the command-line interface (see cli/cli.h and docs/CLI.md).
#include "cli/cli.h"

int main(int argc, char** argv) { return gridless::CliMain(argc, argv); }
