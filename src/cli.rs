//! `yuhui [serve | migrate | seed | ...]`: see `USAGE`.

use crate::clock::Clock;
use crate::config::Config;
use crate::startup::Application;
use crate::{db, seed, telemetry};

const USAGE: &str = "usage: yuhui [serve | migrate | seed | seed synthetic --shops N | credit recompute | calendar load FILE | backup FILE | restore FILE]

  serve                        (default) migrate, seed an empty database, serve the API
  migrate                      apply pending migrations and exit
  seed                         load seeds/ (idempotent) and exit
  seed synthetic --shops N     replace the benchmark merchant's shops with N synthetic ones
  seed synthetic --complaints N  replace the benchmark resident's complaints with N synthetic ones
  seed synthetic --merchants N   N synthetic merchants with a year of complaints (3 each on average)
  credit recompute             rescore every merchant now and say how long it took
  calendar load FILE           load official working-day calendars ({\"years\": [{year, days_off, makeup_days}]})
  backup FILE                  copy the SQLite database to FILE, consistent while the server writes
  restore FILE                 replace the SQLite database with a backup (every instance stopped)
  openapi                      print the OpenAPI document the server serves (for generated clients)

Configuration comes from environment variables; see README.md.";

pub async fn run(args: Vec<String>) -> Result<(), Box<dyn std::error::Error>> {
    let command = args.get(1).map(String::as_str).unwrap_or("serve");
    if matches!(command, "-h" | "--help" | "help") {
        println!("{USAGE}");
        return Ok(());
    }
    // Needs no configuration: the console's client is generated from it.
    if command == "openapi" {
        println!("{}", crate::openapi::document().to_pretty_json()?);
        return Ok(());
    }
    let config = Config::from_env()?;
    telemetry::init_logging(config.log_format);
    match command {
        "serve" => serve(config).await,
        "migrate" => {
            let db = db::connect(&config).await?;
            db::migrate(&db).await?;
            println!("migrations applied");
            Ok(())
        }
        "seed" => {
            let db = db::connect(&config).await?;
            db::migrate(&db).await?;
            seed::load(&db, Clock::System.now()).await?;
            println!("seed data loaded");
            if args.get(2).map(String::as_str) == Some("synthetic") {
                match synthetic_count(&args[3..])? {
                    Synthetic::Shops(n) => {
                        seed::synthetic::shops(&db, n, Clock::System.now()).await?;
                        println!("{n} synthetic shops written");
                    }
                    Synthetic::Complaints(n) => {
                        seed::synthetic::complaints(&db, n, Clock::System.now()).await?;
                        println!("{n} synthetic complaints written");
                    }
                    Synthetic::Merchants(n) => {
                        seed::synthetic::merchants(&db, n, Clock::System.now()).await?;
                        println!("{n} synthetic merchants and {} complaints written", n * 3);
                    }
                }
            }
            Ok(())
        }
        "calendar" => {
            let Some(path) = args
                .get(3)
                .filter(|_| args.get(2).map(String::as_str) == Some("load"))
            else {
                return Err(format!("usage: yuhui calendar load <file>\n\n{USAGE}").into());
            };
            load_calendar(&config, path).await
        }
        "backup" | "restore" => {
            let Some(file) = args.get(2).map(std::path::Path::new) else {
                return Err(format!("usage: yuhui {command} FILE\n\n{USAGE}").into());
            };
            if command == "backup" {
                let bytes = crate::backup::backup(&config, file).await?;
                println!("backup written to {} ({bytes} bytes)", file.display());
            } else {
                crate::backup::restore(&config, file).await?;
                println!("database restored from {}", file.display());
            }
            Ok(())
        }
        "credit" if args.get(2).map(String::as_str) == Some("recompute") => {
            recompute_credit(&config).await
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}").into()),
    }
}

enum Synthetic {
    Shops(u64),
    Complaints(u64),
    Merchants(u64),
}

/// Scores every approved merchant, as the daily pass does, and reports the time.
async fn recompute_credit(config: &Config) -> Result<(), Box<dyn std::error::Error>> {
    let db = db::connect(config).await?;
    db::migrate(&db).await?;
    let core = crate::state::Core::new(db.clone(), Clock::System);
    let places = std::sync::Arc::new(crate::places::Places::load(core.clone(), config).await?);
    let keys = std::sync::Arc::new(crate::credit::signing::load_ring(config)?);
    let credit = crate::credit::Credit::new(core, places, keys, chrono::Duration::days(30));
    use sea_orm::{EntityTrait, PaginatorTrait};
    let merchants = entity::merchant::Entity::find().count(&db).await?;
    let started = std::time::Instant::now();
    let changed = crate::credit::profiles::recompute(&credit, None).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{{\"merchants\": {merchants}, \"profiles_written\": {changed}, \"seconds\": {seconds:.2}}}"
    );
    Ok(())
}

fn synthetic_count(args: &[String]) -> Result<Synthetic, Box<dyn std::error::Error>> {
    let number = |flag: &str, n: &str| -> Result<u64, Box<dyn std::error::Error>> {
        n.parse()
            .map_err(|_| format!("{flag} takes a number, not `{n}`").into())
    };
    match args {
        [flag, n] if flag == "--shops" => Ok(Synthetic::Shops(number(flag, n)?)),
        [flag, n] if flag == "--complaints" => Ok(Synthetic::Complaints(number(flag, n)?)),
        [flag, n] if flag == "--merchants" => Ok(Synthetic::Merchants(number(flag, n)?)),
        _ => Err(format!(
            "usage: yuhui seed synthetic --shops N | --complaints N | --merchants N\n\n{USAGE}"
        )
        .into()),
    }
}

/// Stores each year of the file and recomputes the provisional deadlines
/// they settle. Running instances pick the tables up within 30 s.
async fn load_calendar(config: &Config, path: &str) -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let db = db::connect(config).await?;
    db::migrate(&db).await?;
    let loaded = load_calendar_file(&db, &text, Clock::System.now())
        .await
        .map_err(|e| format!("{path}: {e}"))?;
    for table in &loaded.years {
        println!(
            "calendar {} loaded: {} days off, {} make-up days",
            table.year,
            table.days_off.len(),
            table.makeup_days.len()
        );
    }
    println!(
        "{} cases with provisional deadlines recomputed",
        loaded.recomputed
    );
    Ok(())
}

/// What `yuhui calendar load` did.
pub struct CalendarLoad {
    pub years: Vec<crate::calendar::YearTable>,
    pub recomputed: u64,
}

/// Checks and stores every year of a calendar file
/// (`{"years": [{year, days_off, makeup_days}]}`), then recomputes the
/// provisional deadlines they settle.
pub async fn load_calendar_file(
    db: &sea_orm::DatabaseConnection,
    text: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<CalendarLoad, Box<dyn std::error::Error>> {
    #[derive(serde::Deserialize)]
    struct File {
        years: Vec<crate::calendar::YearTable>,
    }
    let file: File = serde_json::from_str(text)?;
    for table in &file.years {
        crate::calendar::service::check(table)
            .map_err(|reason| format!("year {}: {reason}", table.year))?;
    }
    for table in &file.years {
        crate::calendar::service::store(db, table, now).await?;
    }
    let calendar = crate::calendar::service::load(db).await?;
    let recomputed =
        crate::complaints::deadlines::recompute_provisional(db, &calendar, now).await?;
    Ok(CalendarLoad {
        years: file.years,
        recomputed,
    })
}

async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    tracing::info!(
        environment = ?config.environment,
        dev_login = config.dev_login,
        database = if config.is_sqlite() { "sqlite" } else { "postgres" },
        "starting"
    );
    let bind = config.bind.clone();
    let app = Application::build(config).await?;
    let host = bind.rsplit_once(':').map(|(h, _)| h).unwrap_or("127.0.0.1");
    let base = format!("http://{host}:{}", app.port());
    tracing::info!("serving on {base}");
    println!("Yuhui is serving on {base}");
    println!("  API docs:  {base}/docs/  (OpenAPI: {base}/api-docs/openapi.json)");
    println!("  health:    {base}/health");
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(())
}
