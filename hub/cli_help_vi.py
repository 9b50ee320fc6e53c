"""Vietnamese help of the ``tthc-hub`` commands, keyed by the English help text in the
code (whitespace folded); hub.cli_help puts it in place at start-up. A command whose
English help is not here shows it in English, and tests/unit/test_vietnamese.py fails."""

from __future__ import annotations

HELP_VI: dict[str, str] = {
    # --- the root and its options
    "Integration hub between the province's one-stop-shop and the ministries.": (
        "tthc-hub: trao đổi hồ sơ giữa hệ thống một cửa của tỉnh và các hệ thống Bộ, ngành."
    ),
    "vi (default) or en": "vi (mặc định) hoặc en",
    "Install completion for the current shell.": "Cài gợi ý lệnh cho shell đang dùng.",
    "Show completion for the current shell, to copy it or customize the installation.": (
        "In đoạn gợi ý lệnh cho shell đang dùng, để sao chép hoặc tự cài đặt."
    ),
    "TOML settings file": "Tệp cấu hình TOML",
    "TOML settings file (default: $TTHC_HUB_CONFIG or ./tthc-hub.toml)": (
        "Tệp cấu hình TOML (mặc định: $TTHC_HUB_CONFIG hoặc ./tthc-hub.toml)"
    ),
    "TOML settings file (for catalog_files)": "Tệp cấu hình TOML (mục catalog_files)",
    "print JSON": "in ra dạng JSON",
    "JSON output": "in ra dạng JSON",
    "JSON instead of a table": "in JSON thay cho bảng",
    # --- serve, worker, db, demo, mocks
    "Run the API, the worker and the scheduler (embedded default: SQLite).": (
        "Chạy API, bộ gửi và bộ lập lịch (mặc định dùng SQLite nhúng)."
    ),
    "bind address (default from settings)": "địa chỉ lắng nghe (mặc định theo cấu hình)",
    "port (default from settings)": "cổng (mặc định theo cấu hình)",
    "run the worker in this process": "chạy bộ gửi trong tiến trình này",
    "run the periodic pulls in this process": "chạy việc lấy hồ sơ định kỳ trong tiến trình này",
    "Run a worker alone: claim and send jobs until stopped (SIGINT/SIGTERM).": (
        "Chỉ chạy bộ gửi: nhận và gửi các việc đồng bộ đến khi dừng (SIGINT/SIGTERM)."
    ),
    "concurrent calls per connector": "số lời gọi đồng thời tới mỗi hệ thống",
    "Database schema.": "Cơ sở dữ liệu.",
    "Apply the schema migrations (also done on first start).": (
        "Cập nhật cấu trúc cơ sở dữ liệu (cũng tự chạy ở lần khởi động đầu)."
    ),
    "Run the whole flow against the installed connectors' mocks; print what happened.": (
        "Chạy thử toàn bộ luồng với máy chủ giả lập của các hệ thống; in kết quả."
    ),
    "province dossiers to sync": "số hồ sơ của tỉnh cần đồng bộ",
    "dossiers filed at the ministry": "số hồ sơ nộp tại Bộ, ngành",
    "dossiers lacking what the ministry requires": "số hồ sơ thiếu dữ liệu Bộ, ngành yêu cầu",
    "share of calls the mock fails": "tỷ lệ lời gọi máy chủ giả lập cố ý báo lỗi",
    "random seed of the sample data and the faults": "hạt giống ngẫu nhiên của dữ liệu mẫu và lỗi",
    "keep the SQLite file here instead of a temp dir": (
        "giữ tệp SQLite ở đây thay cho thư mục tạm"
    ),
    "Bundled mock ministry servers.": "Máy chủ giả lập của các Bộ, ngành.",
    "Serve every bundled mock on its own loopback port until stopped.": (
        "Chạy mọi máy chủ giả lập, mỗi máy một cổng nội bộ, đến khi dừng."
    ),
    "loopback address to bind": "địa chỉ nội bộ để lắng nghe",
    "first port; each mock takes the next one (0 = any free port)": (
        "cổng đầu tiên; mỗi máy chủ giả lập lấy cổng kế tiếp (0 = cổng trống bất kỳ)"
    ),
    "serve only these mocks": "chỉ chạy các máy chủ giả lập này",
    "ministry-filed dossiers to create at start": "số hồ sơ nộp tại Bộ tạo sẵn khi khởi động",
    # --- connectors, keys, audit, status, new-connector
    "Connectors.": "Các hệ thống kết nối.",
    "Every installed connector, configured or not: its state and what it can do. Reads "
    "the settings only (no database, no call to a ministry); exits 1 when a connector is "
    "misconfigured.": (
        "Mọi hệ thống kết nối đã cài, đã cấu hình hay chưa: tình trạng và chức năng. Chỉ "
        "đọc cấu hình (không cần cơ sở dữ liệu, không gọi Bộ); trả mã 1 khi có hệ thống "
        "cấu hình sai."
    ),
    "API keys.": "Khóa truy cập API.",
    "Make an API key: prints the key once, and the settings entry that stores its hash.": (
        "Tạo khóa API: in khóa một lần duy nhất, kèm mục cấu hình lưu mã băm của khóa."
    ),
    "who uses it, shown in the audit log": "người dùng khóa, hiện trong nhật ký thao tác",
    "viewer, payload-viewer, operator, province-ingest, admin": (
        "vai trò: viewer, payload-viewer, operator, province-ingest, admin"
    ),
    "The operator audit log: who, when, what, why, how many.": (
        "Nhật ký thao tác của cán bộ: ai, khi nào, làm gì, vì sao, bao nhiêu."
    ),
    "Each connector: health (probed now), queue by state, oldest waiting job, last "
    "success, error rate.": (
        "Từng hệ thống: kết nối (kiểm tra ngay), hàng đợi theo trạng thái, việc chờ lâu "
        "nhất, lần gửi thành công gần nhất, tỷ lệ lỗi."
    ),
    "Generate a connector package that installs and passes the conformance suite.": (
        "Tạo gói kết nối mới, cài được ngay và qua bộ kiểm thử tuân thủ."
    ),
    "the connector's name: a lower-case identifier": "tên hệ thống: chữ thường, không dấu",
    "how the ministry is reached: rest-key, rest-session or soap": (
        "cách gọi Bộ: rest-key, rest-session hoặc soap"
    ),
    "comma-separated capabilities: push, pull, fetch, list, track": (
        "các chức năng, cách nhau bởi dấu phẩy: push,pull,fetch,list,track"
    ),
    "an empty or new folder (default: ./tthc-NAME); with --builtin, the repository root "
    "(default: .)": (
        "thư mục trống hoặc mới (mặc định: ./tthc-TÊN); với --builtin: thư mục gốc của kho "
        "mã nguồn (mặc định: .)"
    ),
    "how the rest-key style authenticates: key (ApiKey header, the default), bearer (a "
    "static token) or oauth2 (client credentials)": (
        "cách kiểu rest-key xác thực: key (khóa trong header ApiKey, mặc định), bearer "
        "(token cố định) hoặc oauth2 (client credentials)"
    ),
    "write into the hub's repository (connectors/NAME, mocks/NAME, tests/connectors) and "
    "register it there": (
        "ghi thẳng vào kho mã nguồn của hub (connectors/TÊN, mocks/TÊN, tests/connectors) "
        "và đăng ký tại đó"
    ),
    # --- catalog and dossiers
    "Procedure catalog.": "Danh mục thủ tục hành chính.",
    "The procedures of the catalog.": "Các thủ tục trong danh mục.",
    "ngành or lĩnh vực, e.g. 'Đất đai'": "ngành hoặc lĩnh vực, ví dụ 'Đất đai'",
    "text in the code or name; accents optional": (
        "chữ trong mã hoặc tên thủ tục; gõ dấu hay không đều được"
    ),
    "tinh, huyen or xa": "cấp: tinh, huyen hoặc xa",
    "A procedure with the steps of each process, their total and any mismatch.": (
        "Một thủ tục: các bước của từng quy trình, tổng thời gian và chênh lệch nếu có."
    ),
    "Ngày hẹn trả and each step's deadline for a dossier received at ``--received``.": (
        "Ngày hẹn trả và hạn từng bước của hồ sơ tiếp nhận lúc ``--received``."
    ),
    "'YYYY-MM-DD HH:MM', local time (UTC+7)": "'YYYY-MM-DD HH:MM', giờ Việt Nam (UTC+7)",
    "the process variant, e.g. 16.1.2": "quy trình áp dụng, ví dụ 16.1.2",
    "Dossier deadlines.": "Thời hạn giải quyết hồ sơ.",
    "Record the apology letter's new appointment date; allowed once per dossier.": (
        "Ghi ngày hẹn trả mới theo văn bản xin lỗi; mỗi hồ sơ chỉ một lần."
    ),
    "the new appointment date, 'YYYY-MM-DD HH:MM'": "ngày hẹn trả mới, 'YYYY-MM-DD HH:MM'",
    "the reason for the delay": "lý do chậm trả",
    "who records it (default: the login)": "người ghi (mặc định: tài khoản đăng nhập)",
    "Dossiers within one working day of their deadline, or past it.": (
        "Hồ sơ còn không quá một ngày làm việc đến hạn, hoặc đã quá hạn."
    ),
    "only overdue dossiers": "chỉ hồ sơ quá hạn",
    "only dossiers sent to or pulled from this connector": (
        "chỉ hồ sơ gửi tới hoặc lấy về từ hệ thống này"
    ),
    "procedure code": "mã TTHC",
    # --- jobs
    "Sync jobs (the outbox).": "Việc đồng bộ (hàng đợi gửi).",
    "List sync jobs by state, connector, mã hồ sơ, mã TTHC, error class and time.": (
        "Danh sách việc đồng bộ theo trạng thái, hệ thống, mã hồ sơ, mã TTHC, loại lỗi "
        "và thời gian."
    ),
    "One job: its dossier, event, every attempt, and the jobs it holds back.": (
        "Một việc đồng bộ: hồ sơ, sự kiện, các lần gửi và các việc đang chờ nó."
    ),
    "show the masked request/response excerpts": (
        "hiện trích đoạn gửi/nhận (đã che dữ liệu cá nhân)"
    ),
    "Re-run one dead or failed job now, or every job a filter matches (as a task).": (
        "Gửi lại ngay một việc lỗi, hoặc mọi việc khớp bộ lọc (thành một tác vụ)."
    ),
    "Do not send a job (dead, failed or pending); --reason is required.": (
        "Bỏ qua một việc (lỗi hoặc đang chờ gửi); bắt buộc ghi lý do --reason."
    ),
    "Withdraw a pending or failed job before it is sent; --reason is required.": (
        "Hủy một việc đang chờ gửi hoặc lỗi tạm thời trước khi gửi; bắt buộc ghi lý do --reason."
    ),
    "Re-run/skip/cancel tasks and their progress.": (
        "Các tác vụ gửi lại, bỏ qua, hủy và tiến độ của chúng."
    ),
    "Pause a task between chunks.": "Tạm dừng một tác vụ giữa hai đợt xử lý.",
    "Queue a paused task again; the server (or `jobs retry --wait`) runs it on.": (
        "Đưa tác vụ đang tạm dừng vào hàng đợi lại; máy chủ (hoặc `jobs retry --wait`) chạy tiếp."
    ),
    "Apply retention now: old excerpts and finished jobs; never failed or dead ones.": (
        "Dọn dữ liệu hết hạn lưu ngay: trích đoạn cũ và việc đã xong; không xóa việc lỗi."
    ),
    "one job; or use filters": "một việc; hoặc dùng bộ lọc",
    "pending, running, failed, succeeded, dead, skipped, cancelled": (
        "trạng thái: pending, running, failed, succeeded, dead, skipped, cancelled"
    ),
    "connector name, e.g. molisa": "tên hệ thống, ví dụ molisa",
    "mã TTHC (prefix match)": "mã TTHC (khớp phần đầu)",
    "timeout, http_503, mapping, ...": "loại lỗi: timeout, http_503, mapping, ...",
    "last change at or after (YYYY-MM-DD[THH:MM])": "thay đổi gần nhất từ (YYYY-MM-DD[THH:MM])",
    "last change before": "thay đổi gần nhất trước",
    "id, -id, updated_at, -updated_at, attempts, -attempts": (
        "sắp xếp: id, -id, updated_at, -updated_at, attempts, -attempts"
    ),
    "who acts (default: $TTHC_HUB_OPERATOR or the login)": (
        "người thao tác (mặc định: $TTHC_HUB_OPERATOR hoặc tài khoản đăng nhập)"
    ),
    "why; required to skip or cancel": "lý do; bắt buộc khi bỏ qua hoặc hủy",
    "send the dossier as it is now, not as the event had it": (
        "gửi hồ sơ theo dữ liệu hiện tại, không theo dữ liệu lúc phát sinh sự kiện"
    ),
    "show the count and a sample": "chỉ hiện số lượng và vài mẫu",
    "do not ask": "không hỏi lại",
    "follow the task (and run it here)": "theo dõi tác vụ (và chạy ngay tại đây)",
    # --- look-ups
    "Look-ups at the ministries (Tra cứu): without arguments, list them all.": (
        "Tra cứu tại các Bộ, ngành: không có tham số thì liệt kê mọi phép tra cứu."
    ),
    "connector, e.g. vantai": "hệ thống, ví dụ vantai",
    "query name, e.g. tra_cuu_ho_so": "tên phép tra cứu, ví dụ tra_cuu_ho_so",
    "NAME=VALUE, repeatable": "TÊN=GIÁ_TRỊ, dùng được nhiều lần",
    "page of a paged query": "trang kết quả",
    "rows per page": "số dòng mỗi trang",
    "write an XLSX workbook": "ghi ra tệp Excel (XLSX)",
    # --- reconciliation
    "Reconciliation with the ministries.": "Đối soát hồ sơ với Bộ, ngành.",
    "one connector (default: every one that can list)": (
        "một hệ thống (mặc định: mọi hệ thống có danh sách hồ sơ)"
    ),
    "first day": "ngày đầu",
    "last day (default today)": "ngày cuối (mặc định hôm nay)",
    "json, csv, xlsx or html": "định dạng: json, csv, xlsx hoặc html",
    "write the report here": "ghi báo cáo vào đây",
    "enqueue what closes each difference": "đưa vào hàng đợi việc khắc phục từng chênh lệch",
    "with --repair: only show it": "dùng với --repair: chỉ hiện, không làm",
    "the ministry is stale when behind by more than this": (
        "coi là Bộ chậm cập nhật khi chậm hơn số giờ này"
    ),
    "The latest reconciliation runs.": "Các lần đối soát gần nhất.",
    "only this connector": "chỉ hệ thống này",
    "One run: its counts and its differences.": "Một lần đối soát: số liệu và các chênh lệch.",
    "run id": "mã lần đối soát",
    "only this kind of difference": "chỉ loại chênh lệch này",
}

#: Click's and Typer's own words (through their ``gettext``).
CLICK_VI: dict[str, str] = {
    "Usage:": "Cách dùng:",
    "Options": "Tùy chọn",
    "Arguments": "Tham số",
    "Commands": "Lệnh",
    "Positional arguments": "Tham số",
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    "default: {default}": "mặc định: {default}",
    "env var: {var}": "biến môi trường: {var}",
    "required": "bắt buộc",
    "(dynamic)": "(tính khi chạy)",
    "Aborted!": "Đã hủy!",
    "Missing command.": "Thiếu lệnh.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "No such option {name!r}.": "Không có tùy chọn {name!r}.",
    "Error: {message}": "Lỗi: {message}",
    "Try '{command} {option}' for help.": "Xem hướng dẫn: '{command} {option}'.",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ cho {param_hint}: {message}",
    "Missing argument": "Thiếu tham số",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "Do you want to continue?": "Tiếp tục?",
}
