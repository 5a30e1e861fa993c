{
  "targets": [
    {
      "target_name": "quietband_soapy",
      "sources": ["src/soapy.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "../shared"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "<!@(pkg-config --cflags SoapySDR 2>/dev/null || true)"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "libraries": ["<!@(pkg-config --libs SoapySDR 2>/dev/null || echo -lSoapySDR)"]
    }
  ]
}
