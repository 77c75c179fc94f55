// gridless-coordinator: see coordinator/coordinator.h.
#include "coordinator/coordinator.h"

int main(int argc, char** argv) {
  return gridless::CoordinatorMain(argc, argv);
}
