// Defaults: the SDA benchmark and constant CDR, converted to a monthly
// default rate (MDR) by the same formula as CPR -> SMM.
// Thread-safe: pure functions.
#ifndef GRIDLESS_JOBS_LOAN_DEFAULT_MODEL_H_
#define GRIDLESS_JOBS_LOAN_DEFAULT_MODEL_H_

#include <vector>

#include "jobs/loan/model_params.h"

namespace gridless::loan {

// SDA benchmark CDR at age t: sda/100 x {0.02% t for t <= 30; 0.60% for
// 30 < t <= 60; 0.60% - 0.0095% (t - 60) for 60 < t <= 120; 0.03% after},
// capped at 99%.
double SdaCdr(double sda, int age);

// MDR by age 0..kAgeTableLast (prepayment.h) for the SDA or constant-CDR
// model.
std::vector<double> MdrByAge(const ModelParams& m);

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_DEFAULT_MODEL_H_
