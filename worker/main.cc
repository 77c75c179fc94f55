// gridless-worker: runs tasks of the built-in kinds for a coordinator.
// To add your own kind, copy this file, register it into
// gridless::JobRegistry::Global() before WorkerMain, and link gridless_worker.
#include "worker/worker.h"

int main(int argc, char** argv) { return gridless::WorkerMain(argc, argv); }
