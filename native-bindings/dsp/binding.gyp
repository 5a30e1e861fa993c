{
  "targets": [
    {
      "target_name": "quietband_dsp",
      "sources": ["src/frame-kernel.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-O3", "-Wall", "-Wextra", "-Wno-unused-parameter", "<!@(pkg-config --cflags fftw3f 2>/dev/null || true)"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["<!@(pkg-config --libs fftw3f 2>/dev/null || echo -lfftw3f)"]
    }
  ]
}
