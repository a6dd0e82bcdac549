#include "openhi/infer/affine.h"

#include <cmath>
#include <utility>

namespace openhi::infer {

Mat4 Identity4() {
  Mat4 m{};
  for (int i = 0; i < 4; ++i) m[i][i] = 1.0;
  return m;
}

Mat4 Multiply(const Mat4& a, const Mat4& b) {
  Mat4 c{};
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      double s = 0;
      for (int k = 0; k < 4; ++k) s += a[i][k] * b[k][j];
      c[i][j] = s;
    }
  }
  return c;
}

bool Solve(const Mat4& a_in, const Mat4& b_in, Mat4* x) {
  Mat4 a = a_in;
  Mat4 b = b_in;
  for (int col = 0; col < 4; ++col) {
    int pivot = col;
    for (int r = col + 1; r < 4; ++r) {
      if (std::fabs(a[r][col]) > std::fabs(a[pivot][col])) pivot = r;
    }
    if (a[pivot][col] == 0.0 || !std::isfinite(a[pivot][col])) return false;
    std::swap(a[pivot], a[col]);
    std::swap(b[pivot], b[col]);
    for (int r = col + 1; r < 4; ++r) {
      const double f = a[r][col] / a[col][col];
      if (f == 0.0) continue;
      for (int c = col; c < 4; ++c) a[r][c] -= f * a[col][c];
      for (int c = 0; c < 4; ++c) b[r][c] -= f * b[col][c];
    }
  }
  for (int col = 0; col < 4; ++col) {
    for (int r = 3; r >= 0; --r) {
      double s = b[r][col];
      for (int c = r + 1; c < 4; ++c) s -= a[r][c] * (*x)[c][col];
      (*x)[r][col] = s / a[r][r];
    }
  }
  return true;
}

bool Inverse(const Mat4& a, Mat4* inverse) { return Solve(a, Identity4(), inverse); }

Mat3 Linear3(const Mat4& m) {
  Mat3 r{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r[i][j] = m[i][j];
  return r;
}

std::array<double, 3> ColumnNorms(const Mat3& m) {
  std::array<double, 3> n{};
  for (int j = 0; j < 3; ++j) {
    n[j] = std::sqrt(m[0][j] * m[0][j] + m[1][j] * m[1][j] + m[2][j] * m[2][j]);
  }
  return n;
}

namespace {

double Det3(const Mat3& m) {
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
         m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
         m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

// Inverse transpose of a 3x3 matrix (cofactor matrix / determinant).
bool InverseTranspose3(const Mat3& m, Mat3* out) {
  const double det = Det3(m);
  if (det == 0.0 || !std::isfinite(det)) return false;
  Mat3& c = *out;
  c[0][0] = (m[1][1] * m[2][2] - m[1][2] * m[2][1]) / det;
  c[0][1] = -(m[1][0] * m[2][2] - m[1][2] * m[2][0]) / det;
  c[0][2] = (m[1][0] * m[2][1] - m[1][1] * m[2][0]) / det;
  c[1][0] = -(m[0][1] * m[2][2] - m[0][2] * m[2][1]) / det;
  c[1][1] = (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / det;
  c[1][2] = -(m[0][0] * m[2][1] - m[0][1] * m[2][0]) / det;
  c[2][0] = (m[0][1] * m[1][2] - m[0][2] * m[1][1]) / det;
  c[2][1] = -(m[0][0] * m[1][2] - m[0][2] * m[1][0]) / det;
  c[2][2] = (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / det;
  return true;
}

}  // namespace

bool PolarOrthogonalFactor(const Mat3& m, Mat3* r) {
  Mat3 x = m;
  for (int iter = 0; iter < 100; ++iter) {
    Mat3 inv_t;
    if (!InverseTranspose3(x, &inv_t)) return false;
    double change = 0;
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) {
        const double next = 0.5 * (x[i][j] + inv_t[i][j]);
        change = std::fmax(change, std::fabs(next - x[i][j]));
        x[i][j] = next;
      }
    }
    if (change < 1e-15) break;
  }
  *r = x;
  return true;
}

bool CholeskyUpper(const Mat3& a, Mat3* u_out) {
  // Lower factor L (a = L L^T), then U = L^T.
  Mat3 l{};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j <= i; ++j) {
      double s = a[i][j];
      for (int k = 0; k < j; ++k) s -= l[i][k] * l[j][k];
      if (i == j) {
        if (!(s > 0.0)) return false;
        l[i][i] = std::sqrt(s);
      } else {
        l[i][j] = s / l[j][j];
      }
    }
  }
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) (*u_out)[i][j] = l[j][i];
  return true;
}

}  // namespace openhi::infer
