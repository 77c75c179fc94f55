#include "jobs/tree_reducer.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <random>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

// A non-associative, non-commutative merge that records the tree's shape.
absl::Status Bracket(std::string& acc, std::string_view right) {
  acc = absl::StrCat("(", acc, " ", std::string(right), ")");
  return absl::OkStatus();
}

std::string Recursive(uint64_t lo, uint64_t hi) {
  if (hi - lo == 1) return absl::StrCat(lo);
  uint64_t half = 1;
  while (half * 2 < hi - lo) half *= 2;
  return absl::StrCat("(", Recursive(lo, lo + half), " ",
                      Recursive(lo + half, hi), ")");
}

std::string ReduceInOrder(uint64_t n, const std::vector<uint64_t>& order) {
  TreeReducer r(n, Bracket);
  for (uint64_t i : order) EXPECT_TRUE(r.Add(i, absl::StrCat(i)).ok());
  EXPECT_TRUE(r.complete());
  return *r.Result();
}

TEST(TreeReducerTest, ShapeIsTheFixedTreeForAnyArrivalOrder) {
  for (uint64_t n : {1, 2, 3, 5, 8, 13, 100}) {
    std::vector<uint64_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::string expected = Recursive(0, n);
    EXPECT_EQ(ReduceInOrder(n, order), expected) << n;
    std::reverse(order.begin(), order.end());
    EXPECT_EQ(ReduceInOrder(n, order), expected) << n;
    std::mt19937_64 g(n);
    for (int trial = 0; trial < 5; ++trial) {
      std::shuffle(order.begin(), order.end(), g);
      EXPECT_EQ(ReduceInOrder(n, order), expected) << n;
    }
  }
}

// The fixed tree over the tasks in `present` only (a hole is left out).
std::optional<std::string> RecursivePartial(uint64_t lo, uint64_t hi,
                                            const std::vector<bool>& present) {
  if (hi - lo == 1) {
    return present[lo] ? std::optional<std::string>(absl::StrCat(lo))
                       : std::nullopt;
  }
  uint64_t half = 1;
  while (half * 2 < hi - lo) half *= 2;
  auto left = RecursivePartial(lo, lo + half, present);
  auto right = RecursivePartial(lo + half, hi, present);
  if (!left) return right;
  if (!right) return left;
  return absl::StrCat("(", *left, " ", *right, ")");
}

TEST(TreeReducerTest, PartialResultLeavesHolesOutAndChangesNothing) {
  std::mt19937_64 rng(7);
  for (uint64_t n : {1, 2, 3, 5, 8, 13, 100}) {
    for (int trial = 0; trial < 5; ++trial) {
      TreeReducer r(n, Bracket);
      std::vector<bool> present(n);
      std::vector<uint64_t> order(n);
      std::iota(order.begin(), order.end(), 0);
      std::shuffle(order.begin(), order.end(), rng);
      const uint64_t added = rng() % (n + 1);
      for (uint64_t i = 0; i < added; ++i) {
        present[order[i]] = true;
        ASSERT_TRUE(r.Add(order[i], absl::StrCat(order[i])).ok());
      }
      auto expected = RecursivePartial(0, n, present);
      EXPECT_EQ(*r.PartialResult(), expected.value_or("")) << n << " " << added;
      // The rest still gives the full fixed tree.
      for (uint64_t i = added; i < n; ++i) {
        ASSERT_TRUE(r.Add(order[i], absl::StrCat(order[i])).ok());
      }
      EXPECT_EQ(*r.Result(), Recursive(0, n));
    }
  }
}

TEST(TreeReducerTest, DuplicateIsRefusedAndIgnored) {
  TreeReducer r(3, Bracket);
  ASSERT_TRUE(r.Add(1, "1").ok());
  EXPECT_EQ(r.Add(1, "x").code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(r.Add(0, "0").ok());
  ASSERT_TRUE(r.Add(2, "2").ok());
  EXPECT_EQ(*r.Result(), "((0 1) 2)");
}

TEST(TreeReducerTest, OutOfRangeAndIncomplete) {
  TreeReducer r(2, Bracket);
  EXPECT_EQ(r.Add(2, "2").code(), absl::StatusCode::kOutOfRange);
  ASSERT_TRUE(r.Add(0, "0").ok());
  EXPECT_EQ(r.Result().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(TreeReducerTest, EmptyStageGivesEmptyResult) {
  TreeReducer r(0, Bracket);
  EXPECT_EQ(*r.Result(), "");
}

TEST(TreeReducerTest, HoldsOnlyPartialsWaitingForASibling) {
  TreeReducer r(4, Bracket);
  ASSERT_TRUE(r.Add(0, "0").ok());
  ASSERT_TRUE(r.Add(1, "1").ok());  // merges into node covering [0, 2)
  EXPECT_EQ(r.pending_bytes(), std::string("(0 1)").size());
}

}  // namespace
}  // namespace gridless
