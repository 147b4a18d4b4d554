//! The console's words, in Chinese with English for browsers that do not
//! ask for Chinese (`Accept-Language`).

use actix_web::HttpRequest;

/// The console's labels in one language.
#[derive(Debug)]
pub struct Labels {
    /// `zh-CN` or `en`.
    pub lang: &'static str,
    pub brand: &'static str,
    pub login: &'static str,
    pub logout: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub sign_in: &'static str,
    pub bad_login: &'static str,
    pub dashboard: &'static str,
    pub reviews: &'static str,
    pub kitchen: &'static str,
    pub last_30_days: &'static str,
    pub orders_delivered: &'static str,
    pub city_orders: &'static str,
    pub village_orders: &'static str,
    pub gmv: &'static str,
    pub residents: &'static str,
    pub villages: &'static str,
    pub trips: &'static str,
    pub cold_compliance: &'static str,
    pub household_income: &'static str,
    pub orders_per_day: &'static str,
    pub applications: &'static str,
    pub products: &'static str,
    pub nothing_pending: &'static str,
    pub approve: &'static str,
    pub reject: &'static str,
    pub reason: &'static str,
    pub new_orders: &'static str,
    pub accepted: &'static str,
    pub ready: &'static str,
    pub accept: &'static str,
    pub mark_ready: &'static str,
    pub live: &'static str,
    pub error: &'static str,
    pub back: &'static str,
    pub store: &'static str,
    pub applicant: &'static str,
    pub order: &'static str,
    pub items: &'static str,
    pub amount: &'static str,
    pub note: &'static str,
}

/// 中文.
pub static ZH: Labels = Labels {
    lang: "zh-CN",
    brand: "同城平台 · 管理台",
    login: "登录",
    logout: "退出",
    username: "用户名",
    password: "密码",
    sign_in: "登录",
    bad_login: "用户名或密码错误",
    dashboard: "数据看板",
    reviews: "审核",
    kitchen: "接单台",
    last_30_days: "近30天",
    orders_delivered: "完成订单",
    city_orders: "城区",
    village_orders: "到村",
    gmv: "交易额（元）",
    residents: "服务居民",
    villages: "覆盖村",
    trips: "车次",
    cold_compliance: "冷链达标率",
    household_income: "带动贫困户增收（元）",
    orders_per_day: "每日订单（城区 / 到村）",
    applications: "商户入驻申请",
    products: "商品上架审核",
    nothing_pending: "暂无待审核",
    approve: "通过",
    reject: "驳回",
    reason: "驳回原因",
    new_orders: "新订单",
    accepted: "制作中",
    ready: "待取货",
    accept: "接单",
    mark_ready: "出餐",
    live: "实时",
    error: "出错了",
    back: "返回",
    store: "店铺",
    applicant: "申请人",
    order: "订单",
    items: "商品",
    amount: "金额（元）",
    note: "备注",
};

/// English.
pub static EN: Labels = Labels {
    lang: "en",
    brand: "Tongcheng console",
    login: "Sign in",
    logout: "Sign out",
    username: "Username",
    password: "Password",
    sign_in: "Sign in",
    bad_login: "Unknown username or wrong password",
    dashboard: "Dashboard",
    reviews: "Reviews",
    kitchen: "Order board",
    last_30_days: "Last 30 days",
    orders_delivered: "Orders delivered",
    city_orders: "City",
    village_orders: "Village",
    gmv: "GMV (yuan)",
    residents: "Residents served",
    villages: "Villages served",
    trips: "Vehicle trips",
    cold_compliance: "Cold-chain compliance",
    household_income: "Household income (yuan)",
    orders_per_day: "Orders per day (city / village)",
    applications: "Merchant applications",
    products: "Products to review",
    nothing_pending: "Nothing pending",
    approve: "Approve",
    reject: "Reject",
    reason: "Reason",
    new_orders: "New orders",
    accepted: "Cooking",
    ready: "Ready",
    accept: "Accept",
    mark_ready: "Mark ready",
    live: "live",
    error: "Something went wrong",
    back: "Back",
    store: "Store",
    applicant: "Applicant",
    order: "Order",
    items: "Items",
    amount: "Amount (yuan)",
    note: "Note",
};

/// The caller's language: Chinese unless the browser prefers another
/// language over Chinese.
pub fn labels(req: &HttpRequest) -> &'static Labels {
    let accept = req
        .headers()
        .get("accept-language")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("zh-CN");
    let first = accept
        .split(',')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if first.is_empty() || first.starts_with("zh") || first == "*" {
        &ZH
    } else {
        &EN
    }
}
