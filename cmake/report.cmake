# src/report (prunekit report): torch-free. The page's script and style (src/report/report_page.*)
# and Chart.js (tools/report/node_modules, installed by `make deps`) are compiled into the binary,
# so a report is one self-contained HTML file and prunekit needs no asset folder at run time.
set(PK_CHARTJS ${CMAKE_SOURCE_DIR}/tools/report/node_modules/chart.js/dist/chart.umd.min.js)
file(READ ${CMAKE_SOURCE_DIR}/tools/report/package.json pk_report_package)
string(JSON PK_CHARTJS_VERSION GET "${pk_report_package}" dependencies chart.js)
set(pk_assets_cpp ${CMAKE_BINARY_DIR}/generated/report_assets.cpp)
set(pk_asset_files ${PK_CHARTJS} ${CMAKE_SOURCE_DIR}/src/report/report_page.js ${CMAKE_SOURCE_DIR}/src/report/report_page.css)
add_custom_command(
  OUTPUT ${pk_assets_cpp}
  COMMAND ${CMAKE_COMMAND} -DOUT=${pk_assets_cpp} "-DNAMES=kChartJs\\;kPageScript\\;kPageStyle"
          "-DFILES=${PK_CHARTJS}\\;${CMAKE_SOURCE_DIR}/src/report/report_page.js\\;${CMAKE_SOURCE_DIR}/src/report/report_page.css"
          -DVERSION=${PK_CHARTJS_VERSION} -P ${CMAKE_SOURCE_DIR}/cmake/embed_text.cmake
  DEPENDS ${pk_asset_files} ${CMAKE_SOURCE_DIR}/cmake/embed_text.cmake
  COMMENT "Embedding Chart.js ${PK_CHARTJS_VERSION} and the report page's script and style")
pk_library(report pk_analysis pk_core)
target_sources(pk_report PRIVATE ${pk_assets_cpp})
