{
  "variables": {
    "rtlsdr_lib_dir%": ""
  },
  "targets": [
    {
      "target_name": "quietband_rtlsdr",
      "sources": ["src/addon.cc", "src/device.cc", "src/stream.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "shared"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags_cc!": ["-fno-exceptions"],
      "conditions": [
        ["rtlsdr_lib_dir==''", {
          "cflags_cc": ["<!@(pkg-config --cflags librtlsdr 2>/dev/null || true)"],
          "libraries": ["<!@(pkg-config --libs librtlsdr 2>/dev/null || echo -lrtlsdr)", "-ldl"]
        }, {
          "libraries": ["-L<(rtlsdr_lib_dir)", "-Wl,-rpath,<(rtlsdr_lib_dir)", "-Wl,--disable-new-dtags", "-lrtlsdr", "-ldl"]
        }]
      ]
    }
  ]
}
