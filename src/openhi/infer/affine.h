#pragma once
// 4x4 homogeneous affine matrices in double precision, as numpy/nibabel use them for MONAI's
// spatial transforms. Plain values; thread-compatible.
#include <array>

namespace openhi::infer {

using Mat4 = std::array<std::array<double, 4>, 4>;  // row-major: m[row][col]
using Mat3 = std::array<std::array<double, 3>, 3>;

Mat4 Identity4();
Mat4 Multiply(const Mat4& a, const Mat4& b);

// x = inverse(a) * b by Gaussian elimination with partial pivoting (numpy.linalg.solve).
// Returns false when `a` is singular.
bool Solve(const Mat4& a, const Mat4& b, Mat4* x);
bool Inverse(const Mat4& a, Mat4* inverse);

// The 3x3 rotation/zoom/shear block of an affine.
Mat3 Linear3(const Mat4& m);
// Column norms of the 3x3 block (monai.data.utils.affine_to_spacing).
std::array<double, 3> ColumnNorms(const Mat3& m);

// The orthogonal polar factor R of `m` (m = R * S with S symmetric positive semi-definite):
// what nibabel's io_orientation computes from the SVD (R = P * Qs). Newton iteration;
// `m` must be non-singular. Returns false if it did not converge.
bool PolarOrthogonalFactor(const Mat3& m, Mat3* r);

// Upper-triangular U with U^T U = a for symmetric positive-definite `a`
// (numpy.linalg.cholesky(a).T). Returns false when `a` is not positive definite.
bool CholeskyUpper(const Mat3& a, Mat3* u);

}  // namespace openhi::infer
