#pragma once
// OPENHI_CHECK: aborts on a broken invariant (a bug). Never use it on user input.
#include <cstdio>
#include <cstdlib>

#define OPENHI_CHECK(cond)                                                              \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);     \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)
