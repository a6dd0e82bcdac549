#pragma once
// Classification of DICOM transfer syntax UIDs by how their frames are decoded. Pure functions,
// thread-safe. Classifying by UID (not DCMTK's E_TransferSyntax) matters: DCMTK 3.6.7 does not
// know the HTJ2K UIDs (.4.201-.4.203) at all.
#include <string_view>

namespace openhi::dicom::internal {

enum class SyntaxFamily {
  kNative,                    // .1.2, .1.2.1, .1.2.1.99 (deflate), .1.2.2 (big endian)
  kEncapsulatedUncompressed,  // .1.2.1.98: one raw (native LE) frame per fragment
  kDcmtkJpeg,                 // .4.50-.4.70 JPEG processes: decoded by dcmjpeg
  kDcmtkJpegLs,               // .4.80, .4.81: decoded by dcmjpls
  kDcmtkRle,                  // .5: decoded by dcmdata's RLE codec
  kJ2k,                       // .4.90-.4.93: DecodeJ2k (OpenJPEG) in the helper process
  kHtj2k,                     // .4.201-.4.203: DecodeHtj2k (OpenJPH) in the helper process
  kVideo,                     // MPEG-2/MPEG-4/HEVC (.4.100-.4.108): one bitstream for all frames
  kOtherEncapsulated,         // JPEG XL, JPIP, ... : frames can be extracted, not decoded
  kUnknown,                   // unknown UID
};

SyntaxFamily ClassifyTransferSyntax(std::string_view uid);

// True for syntaxes whose pixel data is a fragment sequence.
bool IsEncapsulated(SyntaxFamily family);

// True when the frame's codestream starts with the given family's start-of-image marker
// (JPEG/JPEG-LS FFD8, JPEG 2000/HTJ2K FF4F, or the JP2 signature box). Used to map fragments
// to frames when there is no offset table. Always false for families without a marker.
bool StartsFrame(SyntaxFamily family, const unsigned char* data, size_t size);

}  // namespace openhi::dicom::internal
