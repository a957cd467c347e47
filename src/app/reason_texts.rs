//! The table of known English load-report texts and their Chinese, which
//! [`super::reasons`] matches reasons, warnings and notes against.

/// Known English texts (`{}` marks a value) and their Chinese (`{0}`, `{1}`… the values).
pub(super) const KNOWN: &[(&str, &str)] = &[
    (
        "this is not a text table: its first bytes hold NUL characters (a program, an archive or a spreadsheet in a format not read here); save the firms as CSV, Excel (.xlsx), GeoJSON, GeoPackage, Shapefile or KML: {}",
        "这不是文本表格：文件开头含有 NUL 字符（可能是程序、压缩包或本软件不读取的表格格式）；请把企业另存为 CSV、Excel（.xlsx）、GeoJSON、GeoPackage、Shapefile 或 KML：{0}",
    ),
    (
        "no usable rows (the file has a header but no data rows): {}",
        "没有可用的行（文件只有表头，没有数据行）：{0}",
    ),
    (
        "no usable rows (the sheet has a header but no data rows): {}",
        "没有可用的行（工作表只有表头，没有数据行）：{0}",
    ),
    (
        "no usable rows (the file has no features): {}",
        "没有可用的行（文件中没有要素）：{0}",
    ),
    (
        "no usable rows (the layer has no features): {}",
        "没有可用的行（图层中没有要素）：{0}",
    ),
    (
        "no usable rows (the file has no placemarks): {}",
        "没有可用的行（文件中没有地标 Placemark）：{0}",
    ),
    ("longitude or latitude is empty", "经度或纬度为空"),
    (
        "longitude or latitude is empty: the row has {} of the header's {} fields",
        "经度或纬度为空：此行只有 {0} 个字段，表头有 {1} 个",
    ),
    (
        "longitude or latitude is empty: the row has {} of the header's {} fields, and a field holds the delimiter, so a quote may have joined fields; check this line's quotes",
        "经度或纬度为空：此行只有 {0} 个字段（表头有 {1} 个），且有字段含分隔符，可能是引号把几个字段连在了一起；请检查此行的引号",
    ),
    (
        "eps {} m joins {}% of all firms into one cluster; try a smaller eps (the k-distance curve suggests about {} m)",
        "eps {0} 米把 {1}% 的企业连成一个集群；请减小 eps（k 距离曲线建议约 {2} 米）",
    ),
    (
        "{} firms lie in more than one zone; zone_id lists the first by id, summary.json lists all zones of the first {}",
        "{0} 家企业位于多个集聚区内；zone_id 列出编号最小的一个，summary.json 列出前 {1} 家所在的全部集聚区",
    ),
    (
        "longitude/latitude '{}', '{}' is not a number",
        "经纬度“{0}”“{1}”不是数字",
    ),
    (
        "longitude/latitude '{}', '{}': a value is missing",
        "经纬度“{0}”“{1}”：缺少数值",
    ),
    (
        "'{}' does not hold both longitude and latitude",
        "“{0}”未同时包含经度和纬度",
    ),
    (
        "'{}' is an empty point (POINT EMPTY)",
        "“{0}”是空点（POINT EMPTY）",
    ),
    // The load report's notes.
    (
        "a JSON table: {} records read as rows (line 2 is the first record)",
        "JSON 表格：{0} 条记录按行读取（第 2 行为第一条记录）",
    ),
    (
        "a JSON table: the {} records of '{}' read as rows (line 2 is the first record)",
        "JSON 表格：“{1}”中的 {0} 条记录按行读取（第 2 行为第一条记录）",
    ),
    (
        "GeoJSON features one a line (GeoJSON Text Sequence), read as one collection",
        "每行一个 GeoJSON 要素（GeoJSON 文本序列），按一个要素集合读取",
    ),
    (
        "'{}' records are how 高德 (Amap) answers a POI search, in GCJ-02; if these are Amap's, choose the coordinate system gcj02 (points are about 500 m off otherwise)",
        "“{0}”记录是高德 POI 搜索的返回格式，坐标为 GCJ-02；如确为高德数据，请选择坐标系 gcj02（否则位置偏差约 500 米）",
    ),
    (
        "quotes escaped with a backslash (\\\"), as R's write.table writes them by default, were read as quotes, as R reads them back (the first on line {})",
        "以反斜杠转义的引号（\\\"，R 的 write.table 默认如此写出）已按引号读取，与 R 读回时相同（第一个在第 {0} 行）",
    ),
    (
        "the header has one name fewer than the rows have fields: the rows' first field was read as their row names (as R's write.table writes them)",
        "表头比各行少一个字段：各行的第一个字段按行名读取（R 的 write.table 如此写出）",
    ),
    (
        "the file has no header (its first line is data): its {} columns are named column 1 … column {}, longitude read from column {} and latitude from column {}",
        "文件没有表头（第一行即是数据）：其 {0} 列依次命名为 column 1 … column {1}，经度取自第 {2} 列，纬度取自第 {3} 列",
    ),
    (
        "header on line {}: the {} line(s) above it skipped (title or notes){}",
        "表头在第 {0} 行：其上 {1} 行已跳过（标题或说明）{2}",
    ),
    (
        "the header names '{}' more than once (also column {}); column {} is read; to read another, give its number (--{}-col {}, or '{} (column {})' in the import dialog)",
        "表头中“{0}”出现多次（另见第 {1} 列）；读取的是第 {2} 列；如需读取其他列，请用列号指定（命令行 --{3}-col {4}，或在导入对话框中选“{5}（第 {6} 列）”）",
    ),
    (
        "longitude and latitude read from the one column '{}' ('lng,lat', 'lat,lng', WKT 'POINT (lon lat)' or hex WKB)",
        "经度和纬度取自同一列“{0}”（“经度,纬度”“纬度,经度”、WKT “POINT (经度 纬度)”或十六进制 WKB）",
    ),
    // Whole-file load errors (`data::LoadError`), the file's path last.
    ("the file is empty: {}", "文件是空的：{0}"),
    (
        "cannot read the file ({}): {}",
        "无法读取该文件（{0}）：{1}",
    ),
    (
        "no longitude/latitude columns found among [{}]; name them lon/lat (or 经度/纬度) or choose them (--lon-col/--lat-col, or the column pickers of the window's import dialog): {}",
        "在 [{0}] 中找不到经纬度列；请将列命名为 lon/lat（或 经度/纬度），或在导入对话框的列选择中指定：{1}",
    ),
    (
        "column '{}' is not in the header [{}]: {}",
        "表头 [{1}] 中没有列“{0}”：{2}",
    ),
    (
        "cannot decode the text as {}; save it as UTF-8 or pass the right encoding: {}",
        "无法按 {0} 解码文本；请另存为 UTF-8 或指定正确的编码：{1}",
    ),
    (
        "this gzip-compressed file is damaged or cut short ({}); download or copy it again, or unpack it with another program and open the file inside: {}",
        "该 gzip 压缩文件已损坏或不完整（{0}）；请重新下载或复制，或用其他程序解压后打开其中的文件：{1}",
    ),
    (
        "this gzip-compressed file holds more than {} GB; unpack it (gzip -d) and open the file inside, which is read without this limit: {}",
        "该 gzip 压缩文件解压后超过 {0} GB；请先解压（gzip -d）再打开其中的文件（不受此限制）：{1}",
    ),
    (
        "unpacked from gzip: {} of text from {}",
        "已从 gzip 解压：{1} 解压为 {0} 文本",
    ),
    (
        "no segment column found, so every firm's segment is unknown (grey on the map, a \
         neutral industry fit in the advice); name it with --segment-col or in the import \
         dialog; column '{}' may hold segments (--segment-col '{}')",
        "未找到领域列，所有企业的领域均为未知（地图上为灰色，建议中行业匹配度按中性计）；\
         请用 --segment-col 或在导入对话框中指定；列“{0}”可能是领域（--segment-col '{1}'）",
    ),
    (
        "no segment column found, so every firm's segment is unknown (grey on the map, a \
         neutral industry fit in the advice); name it with --segment-col or in the import \
         dialog",
        "未找到领域列，所有企业的领域均为未知（地图上为灰色，建议中行业匹配度按中性计）；\
         请用 --segment-col 或在导入对话框中指定",
    ),
    (
        "no founding-date column found, so the year view, the growth comparison after \
         designation and --year are off; name it with --founded-col or in the import dialog; \
         column '{}' may hold founding years (--founded-col '{}')",
        "未找到成立日期列，年份视图、设立后的增长对比和 --year 均不可用；请用 --founded-col \
         或在导入对话框中指定；列“{0}”可能是成立年份（--founded-col '{1}'）",
    ),
    (
        "no founding-date column found, so the year view, the growth comparison after \
         designation and --year are off; name it with --founded-col or in the import dialog",
        "未找到成立日期列，年份视图、设立后的增长对比和 --year 均不可用；请用 --founded-col \
         或在导入对话框中指定",
    ),
    (
        "founding years from column '{}': {} of {} firms; closing years from {} ({} closed)",
        "成立年份取自列“{0}”：{2} 家企业中 {1} 家；注销年份取自 {3}（{4} 家已注销）",
    ),
    (
        "founding years from column '{}': {} of {} firms",
        "成立年份取自列“{0}”：{2} 家企业中 {1} 家",
    ),
    (
        "{} of {} firms alive in {} (founded by then, not closed)",
        "{1} 家企业中 {0} 家在 {2} 年存续（届时已成立且未注销）",
    ),
    (
        "sheet '{}' of {} ({}); header on row {}; line numbers are sheet rows",
        "工作表“{0}”（共 {1} 个：{2}）；表头在第 {3} 行；行号为工作表行号",
    ),
    (
        "{} row(s) above the header skipped (title or notes): {}",
        "表头上方 {0} 行已跳过（标题或说明）：{1}",
    ),
    (
        "no .prj file: the coordinate system is not stated in the file",
        "没有 .prj 文件：文件未说明坐标系",
    ),
    ("the .prj was not used: {}", "未使用 .prj：{0}"),
    ("attribute text read as {}", "属性文本按 {0} 读取"),
    (
        "{} founding dates are not dates ({}); those firms count as founded at an unknown time",
        "{0} 个成立日期不是日期（{1}）；这些企业按成立时间未知计",
    ),
    (
        "coordinate ({}, {}) is not a finite number",
        "坐标 ({0}, {1}) 不是有限数",
    ),
    (
        "coordinate (0, 0) is the usual placeholder for a missing geocode; fill in the firm's real position",
        "坐标 (0, 0) 通常是缺失地理编码的占位值；请填写企业的真实位置",
    ),
    (
        "longitude/latitude look swapped ({}, {}): latitude must be within ±90; swap the columns or name them explicitly",
        "经纬度疑似颠倒 ({0}, {1})：纬度须在 ±90 以内；请交换两列或明确指定列名",
    ),
    (
        "longitude/latitude '{}', '{}': the hemisphere marks say the columns are swapped (N/S marks a latitude, E/W a longitude); swap the columns or name them explicitly",
        "经纬度“{0}”“{1}”：半球标记表明两列颠倒（N/S 表示纬度，E/W 表示经度）；请交换两列或明确指定列名",
    ),
    (
        "longitude/latitude '{}', '{}': both are marked as the same axis; one must be a longitude (E/W, 东经/西经) and the other a latitude (N/S, 北纬/南纬)",
        "经纬度“{0}”“{1}”：两个值标记为同一轴；应一个为经度（E/W、东经/西经），一个为纬度（N/S、北纬/南纬）",
    ),
    (
        "({}, {}) looks like degrees × 1,000,000 ({}, {}); divide the columns by 1,000,000",
        "({0}, {1}) 疑似放大了 1,000,000 倍的经纬度（{2}, {3}）；请将两列除以 1,000,000",
    ),
    (
        "({}, {}) is not a coordinate (degrees or metres); check the column",
        "({0}, {1}) 不是坐标（度或米）；请检查该列",
    ),
    (
        "coordinate ({}, {}) looks projected (metres), not degrees; give its system (e.g. epsg:4547) or reproject to WGS-84 lon/lat",
        "坐标 ({0}, {1}) 疑似投影坐标（米），不是经纬度；请指定坐标系（如 epsg:4547）或转换为 WGS-84 经纬度",
    ),
    (
        "coordinate ({}, {}) is outside longitude ±180 / latitude ±90",
        "坐标 ({0}, {1}) 超出经度 ±180 / 纬度 ±90",
    ),
    ("cannot read the row ({})", "无法读取该行（{0}）"),
    (
        "a quote opened on this line is not closed on it, so {} later line(s) would have been read into one field; this row is skipped and the following lines are read normally; close or remove the quote",
        "此行的引号未闭合，会把后面 {0} 行读进同一字段；此行已跳过，后续各行照常读取；请补上或删去引号",
    ),
    (
        "firm {} at ({}, {}) is {} km from the median of the other firms ({}, {}): probably a wrong geocode, so it is left out; fix its coordinates, or keep it with --keep-distant (window: “Keep distant firms” in the import dialog)",
        "企业 {0} 位于 ({1}, {2})，距其他企业的中位位置 ({4}, {5}) {3} 公里：可能是地理编码错误，已略去；请更正坐标，或在导入对话框中勾选“保留远离其他企业（200 公里以上）的点”（命令行 --keep-distant）",
    ),
    (
        "{} firm(s) more than {} km from the others were left out (kind 'stray'); see the skipped list",
        "{0} 家企业距其他企业超过 {1} 公里，已略去（类别“远离其他企业”）；见跳过列表",
    ),
    (
        "{} of {} rows look like latitude,longitude instead of longitude,latitude: the columns may be exchanged; name them explicitly (--lon-col/--lat-col)",
        "{1} 行中有 {0} 行像是“纬度,经度”而非“经度,纬度”：两列可能颠倒；请明确指定经纬度列",
    ),
    (
        "{} firms lie outside China: check the coordinate columns and system",
        "{0} 家企业位于中国境外：请检查坐标列和坐标系",
    ),
    (
        "{} firms lie outside the Shenzhen area (they are kept)",
        "{0} 家企业位于深圳范围之外（仍保留）",
    ),
    (
        "{} firm ids are repeated; outputs keep every row",
        "{0} 个企业编号重复；输出保留每一行",
    ),
    (
        "{} firms have no id; they are named by their place among the firms loaded (#1, #2 …)",
        "{0} 家企业没有编号，按其在已载入企业中的顺序称为 #1、#2 …",
    ),
    (
        "not a valid GeoJSON feature ({})",
        "不是有效的 GeoJSON 要素（{0}）",
    ),
    (
        "feature {}: id '{}' is used twice; this one is renamed '{}'",
        "要素 {0}：编号“{1}”重复使用；此要素改名为“{2}”",
    ),
    (
        "feature {}: no id property; called it '{}'",
        "要素 {0}：没有编号属性；命名为“{1}”",
    ),
    (
        "feature {} ({}): geometry_quality '{}' does not fit its geometry; using {}",
        "要素 {0}（{1}）：geometry_quality“{2}”与其几何不符；改用 {3}",
    ),
    (
        "some features have projected (metre) coordinates and were skipped; reproject them to WGS-84",
        "部分要素为投影坐标（米），已跳过；请转换为 WGS-84 经纬度",
    ),
    // Whole-file errors of the other formats (the file's path last).
    (
        "no usable rows (the collection has no features): {}",
        "没有可用的行（集合中没有要素）：{0}",
    ),
    (
        "not valid JSON at line {}, column {} ({}); check the file is complete: {}",
        "不是有效的 JSON（第 {0} 行第 {1} 列：{2}）；请检查文件是否完整：{3}",
    ),
    (
        "expected a GeoJSON object ({\"type\": \"FeatureCollection\", ...}): {}",
        "应为 GeoJSON 对象（{\"type\": \"FeatureCollection\", ...}）：{0}",
    ),
    (
        "FeatureCollection has no \"features\" array: {}",
        "FeatureCollection 没有 \"features\" 数组：{0}",
    ),
    (
        "GeoJSON type '{}' is not supported; expected a FeatureCollection: {}",
        "不支持 GeoJSON 类型“{0}”；应为 FeatureCollection：{1}",
    ),
    (
        "JSON has no GeoJSON \"type\"; expected a FeatureCollection: {}",
        "JSON 没有 GeoJSON 的“type”；应为 FeatureCollection：{0}",
    ),
    (
        "a table cannot hold zone boundaries; open a GeoJSON, Shapefile, GeoPackage or KML file of polygons: {}",
        "表格不能存放集聚区边界；请打开由多边形组成的 GeoJSON、Shapefile、GeoPackage 或 KML 文件：{0}",
    ),
    (
        "the KML nests elements more than {} deep; it is damaged or not a map: {}",
        "KML 的元素嵌套超过 {0} 层；文件已损坏或不是地图：{1}",
    ),
    (
        "not valid KML/XML ({}): {}",
        "不是有效的 KML/XML（{0}）：{1}",
    ),
    (
        "placemark {} (line {}) is not valid KML/XML ({})",
        "地标 {0}（第 {1} 行）不是有效的 KML/XML（{2}）",
    ),
    (
        "every sheet of the workbook is empty: {}",
        "工作簿的每个工作表都是空的：{0}",
    ),
    (
        "{} spans {} rows × {} columns; a firm list that large (or a cell typed far away by mistake) cannot be read: delete the stray cells or export the sheet as CSV: {}",
        "{0} 跨 {1} 行 × {2} 列；这么大的企业名单（或误填在远处的单元格）无法读取：请删除多余的单元格，或把工作表导出为 CSV：{3}",
    ),
    (
        "the workbook claims {} shared texts in {} bytes; it is damaged: {}",
        "工作簿声称在 {1} 字节中有 {0} 条共享文本；文件已损坏：{2}",
    ),
    (
        "cannot open the workbook ({}); if it is password-protected, save an unprotected copy (or export the sheet as CSV): {}",
        "无法打开工作簿（{0}）；若有密码保护，请另存一份无保护的副本（或把工作表导出为 CSV）：{1}",
    ),
    (
        "the .dbf file (the attribute table) is missing beside the .shp; copy all the Shapefile's files (.shp, .dbf, .shx, .prj, .cpg) together: {}",
        "在 .shp 旁找不到 .dbf 文件（属性表）；请把 Shapefile 的全部文件（.shp、.dbf、.shx、.prj、.cpg）一起复制：{0}",
    ),
    (
        "the .shp ends early after {} shapes ({}); the rest is left out",
        "该 .shp 在 {0} 个图形后提前结束（{1}）；其余部分未读入",
    ),
    (
        "bytes that are not valid UTF-8 on line {} read as U+FFFD; the rest of the file is UTF-8, so it was read as UTF-8 (if the file was cut short, get it again; if it is GBK, choose the encoding gbk)",
        "第 {0} 行有不合 UTF-8 编码的字节，按替换字符 U+FFFD 读取；文件其余部分是 UTF-8，故按 UTF-8 读取（若文件不完整，请重新获取；若是 GBK 文件，请选择编码 gbk）",
    ),
    (
        "bytes that are not valid UTF-8 in {} places, the first on line {} read as U+FFFD; the rest of the file is UTF-8, so it was read as UTF-8 (if the file was cut short, get it again; if it is GBK, choose the encoding gbk)",
        "有 {0} 处字节不合 UTF-8 编码（第一处在第 {1} 行），按替换字符 U+FFFD 读取；文件其余部分是 UTF-8，故按 UTF-8 读取（若文件不完整，请重新获取；若是 GBK 文件，请选择编码 gbk）",
    ),
    (
        "{} features are not points and were left out (firms must be points)",
        "{0} 个要素不是点，已略去（企业须为点）",
    ),
    (
        "rows are numbered as features (line 2 is the first feature)",
        "行号按要素计（第 2 行为第一个要素）",
    ),
    // Coordinate systems (alone, and as a file's error with its path).
    (
        "EPSG:{} is not a coordinate system cluster-atlas knows; use wgs84, gcj02, bd09, cgcs2000 or an EPSG code such as epsg:4547",
        "cluster-atlas 不认识坐标系 EPSG:{0}；请使用 wgs84、gcj02、bd09、cgcs2000 或 EPSG 代码（如 epsg:4547）",
    ),
    (
        "EPSG:{} is not a coordinate system cluster-atlas knows; use wgs84, gcj02, bd09, cgcs2000 or an EPSG code such as epsg:4547: {}",
        "cluster-atlas 不认识坐标系 EPSG:{0}；请使用 wgs84、gcj02、bd09、cgcs2000 或 EPSG 代码（如 epsg:4547）：{1}",
    ),
    (
        "{} uses the Beijing 1954 or Xi'an 1980 datum, whose parameters for converting to WGS-84 are not public; ask the data's supplier for a CGCS2000 or WGS-84 copy",
        "{0} 使用北京 1954 或西安 1980 基准，其转换到 WGS-84 的参数未公开；请向数据提供方索取 CGCS2000 或 WGS-84 版本",
    ),
    (
        "{} uses the Beijing 1954 or Xi'an 1980 datum, whose parameters for converting to WGS-84 are not public; ask the data's supplier for a CGCS2000 or WGS-84 copy: {}",
        "{0} 使用北京 1954 或西安 1980 基准，其转换到 WGS-84 的参数未公开；请向数据提供方索取 CGCS2000 或 WGS-84 版本：{1}",
    ),
    (
        "the coordinate system could not be recognised ({}); give it with --zones-crs / --firms-crs, e.g. epsg:4547",
        "无法识别坐标系（{0}）；请用 --zones-crs / --firms-crs 指定，例如 epsg:4547",
    ),
    (
        "the coordinate system could not be recognised ({}); give it with --zones-crs / --firms-crs, e.g. epsg:4547: {}",
        "无法识别坐标系（{0}）；请用 --zones-crs / --firms-crs 指定，例如 epsg:4547：{1}",
    ),
    (
        "the coordinate columns ({}, {}) suggest {} but the file was read as {}; if that is wrong, points are about 500 m off: choose the coordinate system {}",
        "坐标列（{0}，{1}）提示坐标系为 {2}，但文件按 {3} 读取；若不对，各点会偏移约 500 米：请选择坐标系 {4}",
    ),
    (
        "coordinates look projected (metres), not longitude/latitude degrees (for example {}); {} (--zones-crs / --firms-crs, or the import dialog's system): {}",
        "坐标看起来是投影坐标（米），不是经纬度（例如 {=0}）；{=1}（--zones-crs / --firms-crs，或导入对话框中的坐标系）：{2}",
    ),
    (
        "{} would lie in Shenzhen in {}; give it as epsg:{}",
        "{0} 按 {1} 计位于深圳；请指定为 epsg:{2}",
    ),
    (
        "{} fit none of the usual Shenzhen systems; give the system as epsg:N",
        "{0} 不符合深圳常用的任何坐标系；请以 epsg:N 指定坐标系",
    ),
    (
        "give the file's coordinate system as epsg:N",
        "请以 epsg:N 指定文件的坐标系",
    ),
    // A feature's geometry (a zone's reason follows its label: `zone 'A': …`).
    ("feature has no geometry", "要素没有几何"),
    (
        "{} is not a Point; firms must be points",
        "{0} 不是点（Point）；企业须为点",
    ),
    ("polygon has no rings", "多边形没有环"),
    ("MultiPolygon has no polygons", "MultiPolygon 中没有多边形"),
    ("outer ring", "外环"),
    ("hole {}", "第 {0} 个内洞"),
    (
        "{} has {} distinct position(s); a polygon ring needs at least 3",
        "{=0}只有 {1} 个不同的位置；多边形的环至少需要 3 个",
    ),
    (
        "geometry type {} cannot be a zone; use Polygon, MultiPolygon or Point",
        "几何类型 {0} 不能作为集聚区；请使用 Polygon、MultiPolygon 或 Point",
    ),
    (
        "the boundary has {} vertices; at most {} are read (simplify it, e.g. in QGIS with a 1 m tolerance)",
        "边界有 {0} 个顶点；最多读取 {1} 个（请先简化，例如在 QGIS 中以 1 米容差简化）",
    ),
    (
        "a position has {} number(s); it needs two",
        "一个位置有 {0} 个数；需要两个",
    ),
];

/// A kind of skipped row in Chinese (other kinds as written).
pub(super) fn kind_zh(k: &str) -> &str {
    match k {
        "missing" => "缺坐标",
        "unparsable" => "非数字",
        "not_finite" => "非有限数",
        "out_of_range" => "超出经纬度范围",
        "projected" => "疑似投影坐标",
        "swapped" => "经纬度颠倒",
        "null_island" => "(0,0) 占位",
        "stray" => "远离其他企业",
        "unclosed_quote" => "引号未闭合",
        "unreadable" => "无法读取",
        "no_geometry" => "无几何",
        "bad_geometry" | "bad_feature" => "几何无效",
        "wrong_geometry_type" => "几何类型不符",
        "too_complex" => "边界过于复杂",
        other => other,
    }
}
