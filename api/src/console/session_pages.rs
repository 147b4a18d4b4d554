//! Signing in and out of the console.

use super::*;

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    layout: Layout,
    csrf: String,
    failed: bool,
}

pub(super) async fn login_form(req: HttpRequest) -> HttpResponse {
    let csrf = hex::encode(entity::ids::random_bytes::<24>());
    let page = LoginPage {
        layout: Layout::of(&req, None, "login"),
        csrf: csrf.clone(),
        failed: false,
    };
    let mut res = html(StatusCode::OK, page.render());
    let _ = res.add_cookie(&session::cookie(
        &req,
        session::LOGIN_COOKIE,
        csrf,
        Duration::minutes(30),
    ));
    res
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub(super) async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    // The login form is protected by a double-submit token: the cookie
    // set with the form must come back in the form.
    let expected = req
        .cookie(session::LOGIN_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if expected.is_empty() || !session::constant_time_eq(expected.as_bytes(), form.csrf.as_bytes())
    {
        return error_page(
            &req,
            None,
            ApiError::new(ErrorCode::FORBIDDEN, "the login form expired; reload it"),
        );
    }
    let checked =
        crate::routes::platform_end::auth::check_password(&state, &form.username, &form.password)
            .await;
    let (account, user, txn) = match checked {
        Ok(v) => v,
        Err(e) if e.code() == ErrorCode::INVALID_CREDENTIALS => {
            let page = LoginPage {
                layout: Layout::of(&req, None, "login"),
                csrf: expected,
                failed: true,
            };
            return html(StatusCode::UNAUTHORIZED, page.render());
        }
        Err(e) => return error_page(&req, None, e),
    };
    let opened = session::open(&txn, &req, user.id, account.platform_id, state.clock.now()).await;
    let cookie = match opened {
        Ok(c) => c,
        Err(e) => return error_page(&req, None, e),
    };
    if let Err(e) = txn.commit().await {
        return error_page(&req, None, e.into());
    }
    tracing::info!(user_id = user.id, "console login");
    let mut res = see_other("/console");
    let _ = res.add_cookie(&cookie);
    let mut gone = session::cookie(&req, session::LOGIN_COOKIE, String::new(), Duration::zero());
    gone.make_removal();
    let _ = res.add_cookie(&gone);
    res
}

pub(super) async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        who.check_csrf(&form.csrf)?;
        session::close(&state, who.session_id).await?;
        let mut res = see_other("/console/login");
        let mut gone = session::cookie(&req, session::COOKIE, String::new(), Duration::zero());
        gone.make_removal();
        let _ = res.add_cookie(&gone);
        Ok(res)
    })
    .await
}
