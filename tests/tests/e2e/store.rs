//! Several replicas behave like one: their rate limits live in a real Redis server, and three
//! `probe-api serve` behind Debian's HAProxy (the shipped snippet, round robin) refuse at the
//! same count as one replica does. The embedded store and the Redis store pass the same
//! behaviour tests; a lost store refuses checks clearly and recovers by itself.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use probe_api::store::{Rate, Scope, Store};
use tests::pki::Validity;
use tests::process::free_port;
use tests::proxies::Haproxy;
use tests::servers::{ProbeApi, ProbeApiOptions, check_at, probe_api_binary};
use tests::store::RedisServer;
use tests::stubs::{Behaviour, Gate, Stub};

use crate::stopping::read_until;

use crate::test_ca;

fn ip(text: &str) -> IpAddr {
    text.parse().expect("address")
}

/// The token-bucket behaviour both stores must show, in real time.
async fn behaves_as_token_buckets(store: &Store) {
    let rate = Rate::new(60, 2);
    let (a, b) = (ip("192.0.2.1"), ip("192.0.2.2"));
    let take = async |scope, keys: &[IpAddr]| store.take(scope, rate, keys).await.expect("store");
    // A full bucket holds `burst` tokens; then the wait is named in whole seconds.
    assert_eq!(take(Scope::Client, &[a]).await, Ok(()));
    assert_eq!(take(Scope::Client, &[a]).await, Ok(()));
    assert_eq!(take(Scope::Client, &[a]).await, Err(Duration::from_secs(1)));
    // Another key and the other scope have their own buckets.
    assert_eq!(take(Scope::Client, &[b]).await, Ok(()));
    assert_eq!(take(Scope::Target, &[a]).await, Ok(()));
    // All or none: a's empty client bucket refuses both, and b keeps its last token.
    assert_eq!(
        take(Scope::Client, &[b, a]).await,
        Err(Duration::from_secs(1))
    );
    assert_eq!(take(Scope::Client, &[b]).await, Ok(()));
    assert_eq!(take(Scope::Client, &[b]).await, Err(Duration::from_secs(1)));
    // A second later there is a token again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(take(Scope::Client, &[a]).await, Ok(()));
    // Another rate: ten seconds a token, so the third of a burst of two waits ten seconds.
    let slow = Rate::new(6, 2);
    let c = ip("192.0.2.3");
    for _ in 0..2 {
        assert_eq!(
            store.take(Scope::Target, slow, &[c]).await.expect("store"),
            Ok(())
        );
    }
    assert_eq!(
        store.take(Scope::Target, slow, &[c]).await.expect("store"),
        Err(Duration::from_secs(10))
    );
    // A key named twice in one take (two names of one server) is charged once.
    let d = ip("192.0.2.4");
    assert_eq!(take(Scope::Target, &[d, d]).await, Ok(()));
    assert_eq!(take(Scope::Target, &[d]).await, Ok(()));
    assert_eq!(take(Scope::Target, &[d]).await, Err(Duration::from_secs(1)));
    // A rate of 0 does not limit.
    for _ in 0..5 {
        assert_eq!(
            store
                .take(Scope::Client, Rate::new(0, 1), &[a])
                .await
                .expect("store"),
            Ok(())
        );
    }
}

/// The connection-slot behaviour both stores must show: `per_destination` at once, the next
/// one as soon as one is given back.
async fn leases_slots_per_destination(store: &Store) {
    let destination = ip("192.0.2.25");
    let within = |ms| tokio::time::Instant::now() + Duration::from_millis(ms);
    let first = store
        .lease(destination, 2, within(300))
        .await
        .expect("store");
    let second = store
        .lease(destination, 2, within(300))
        .await
        .expect("store");
    assert!(first.is_some() && second.is_some());
    let started = Instant::now();
    assert!(
        store
            .lease(destination, 2, within(300))
            .await
            .expect("store")
            .is_none(),
        "a third slot while two are held"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "it waited for one"
    );
    assert!(
        store
            .lease(ip("192.0.2.26"), 2, within(300))
            .await
            .expect("store")
            .is_some(),
        "another server has its own"
    );
    drop(first);
    assert!(
        store
            .lease(destination, 2, within(2000))
            .await
            .expect("store")
            .is_some(),
        "a slot given back is taken again"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_embedded_store_behaves_as_token_buckets_and_leases_slots() {
    let store = Store::default();
    behaves_as_token_buckets(&store).await;
    leases_slots_per_destination(&store).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_redis_store_behaves_as_token_buckets_and_leases_slots_and_both_expire() {
    let redis = RedisServer::start();
    let store = Store::open(Some(&redis.url()), Duration::from_secs(5))
        .await
        .expect("connects");
    assert_eq!(store.describe(), redis.url());
    behaves_as_token_buckets(&store).await;
    // Every key expires once its bucket would be full again (2 tokens at 1 a second: 2 s, plus
    // one): nothing stays in the store forever.
    let ttl: i64 = redis
        .cli(&["TTL", "mailtls:{limits}:client:192.0.2.1"])
        .parse()
        .expect("a number");
    assert!((1..=3).contains(&ttl), "TTL {ttl}");
    let keys = redis.cli(&["--scan", "--pattern", "mailtls:*"]);
    assert_eq!(keys.lines().count(), 5, "{keys}");

    leases_slots_per_destination(&store).await;
    // A replica that dies holding slots (here: leases never given back) blocks the server only
    // until the deadline they were taken for, plus a second.
    let destination = ip("192.0.2.80");
    let soon = tokio::time::Instant::now() + Duration::from_millis(200);
    for _ in 0..2 {
        let lease = store.lease(destination, 2, soon).await.expect("store");
        std::mem::forget(lease.expect("a slot"));
    }
    // Another replica (its own connection and queue) waits for them to lapse.
    let other = Store::open(Some(&redis.url()), Duration::from_secs(5))
        .await
        .expect("connects");
    let started = Instant::now();
    let later = other
        .lease(
            destination,
            2,
            tokio::time::Instant::now() + Duration::from_secs(5),
        )
        .await
        .expect("store");
    assert!(later.is_some(), "the dead leases expired");
    let waited = started.elapsed();
    assert!(
        (Duration::from_millis(700)..Duration::from_secs(3)).contains(&waited),
        "{waited:?}"
    );
}

/// `n` replicas sharing `store` (or each with its own limits), with `limits` as options.
fn replicas(n: usize, store: Option<&str>, limits: &[&str], ports: &[u16]) -> Vec<ProbeApi> {
    let (_dir, ca) = test_ca();
    (0..n)
        .map(|_| {
            let mut options = ProbeApiOptions::loopback(&ca.ca_file, &[], ports);
            options.rate_limits = true;
            options
                .extra_args
                .extend(limits.iter().map(|arg| (*arg).to_owned()));
            options
                .extra_args
                .extend(["--trusted-proxy", "127.0.0.1"].map(str::to_owned));
            if let Some(url) = store {
                options
                    .extra_args
                    .extend(["--store".to_owned(), url.to_owned()]);
            }
            ProbeApi::start(&options)
        })
        .collect()
}

/// The statuses of `count` checks of `target` through `base`, one after the other.
async fn statuses(base: &str, target: &str, count: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..count {
        out.push(check_at(base, &[("target", target)]).await.0);
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn the_per_client_limit_holds_across_three_replicas_behind_haproxy() {
    // One check a minute, five at once; 10.0.0.1 is refused (403) after the client's token is
    // taken, so no mail server is involved.
    let limits = [
        "--client-checks-per-minute",
        "1",
        "--target-checks-per-minute",
        "0",
    ];
    let one = replicas(1, None, &limits, &[]);
    let alone = statuses(one[0].base_url(), "imaps://10.0.0.1", 6).await;
    assert_eq!(alone, [403, 403, 403, 403, 403, 429]);

    let redis = RedisServer::start();
    let fleet = replicas(3, Some(&redis.url()), &limits, &[]);
    let haproxy = Haproxy::start(&fleet.iter().map(ProbeApi::address).collect::<Vec<_>>());
    let shared = statuses(&haproxy.base_url(), "imaps://10.0.0.1", 6).await;
    assert_eq!(shared, alone, "three replicas refuse where one does");

    // Without the shared store each replica would have its own five: the sixth request passes.
    let own = replicas(3, None, &limits, &[]);
    let haproxy = Haproxy::start(&own.iter().map(ProbeApi::address).collect::<Vec<_>>());
    let separate = statuses(&haproxy.base_url(), "imaps://10.0.0.1", 6).await;
    assert_eq!(separate, [403; 6]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_per_target_limit_holds_across_three_replicas_behind_haproxy() {
    // Eleven different checks of one mail server address (127.0.0.1, eleven closed ports): its
    // bucket holds ten. Connections are refused at once, so each check ends quickly.
    let ports: Vec<u16> = (0..11).map(|_| free_port()).collect();
    let limits = [
        "--client-checks-per-minute",
        "0",
        "--target-checks-per-minute",
        "1",
    ];
    let redis = RedisServer::start();
    let fleet = replicas(3, Some(&redis.url()), &limits, &ports);
    let haproxy = Haproxy::start(&fleet.iter().map(ProbeApi::address).collect::<Vec<_>>());
    let mut got = Vec::new();
    for port in &ports {
        let target = format!("imaps://127.0.0.1:{port}");
        got.push(
            check_at(&haproxy.base_url(), &[("target", &target)])
                .await
                .0,
        );
    }
    let mut expected = vec![200; 10];
    expected.push(429);
    assert_eq!(got, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn three_replicas_on_one_store_never_hold_more_connections_to_a_server_than_one() {
    // Three visitors check three names of one slow server, each on another replica: together
    // the fleet holds at most the two connections one replica may (each check alone would).
    let (_dir, ca) = test_ca();
    let names = ["a.example.test", "b.example.test", "c.example.test"];
    let fleet_run = async |store: Option<&str>| {
        let stub = Stub::start(Behaviour::SlowGreeting {
            delay: Duration::from_millis(600),
        });
        let fleet: Vec<ProbeApi> = (0..3)
            .map(|_| {
                let mut options = ProbeApiOptions::loopback(&ca.ca_file, &names, &[stub.port()]);
                if let Some(url) = store {
                    options
                        .extra_args
                        .extend(["--store".to_owned(), url.to_owned()]);
                }
                ProbeApi::start(&options)
            })
            .collect();
        let checks: Vec<_> = fleet
            .iter()
            .zip(names)
            .map(|(api, name)| {
                api.spawn_check(&[("target", &format!("smtp://{name}:{}", stub.port()))])
            })
            .collect();
        for check in checks {
            let (status, report) = check.await.expect("the check task");
            assert_eq!(status, 200, "{report}");
        }
        assert!(stub.connections() >= 3, "each check connected");
        stub.most_open_at_once()
    };
    let redis = RedisServer::start();
    let shared = fleet_run(Some(&redis.url())).await;
    assert!(shared <= 2, "{shared} connections at once to one server");
    // Each replica on its own store would give the server its two each.
    let separate = fleet_run(None).await;
    assert!(
        separate >= 3,
        "{separate} connections at once without a shared store"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_redis_store_keeps_reports_within_their_time_and_budget() {
    let redis = RedisServer::start();
    let store = Store::open(Some(&redis.url()), Duration::from_secs(5))
        .await
        .expect("connects");
    let minute = Duration::from_secs(60);
    let report = |fill: usize| format!("{{\"x\":\"{}\"}}", "r".repeat(fill));
    assert!(store.kept("imaps://a.test").await.expect("store").is_none());
    assert!(
        store
            .keep("imaps://a.test", &report(40), 1, minute, 100)
            .await
            .expect("store")
    );
    let kept = store
        .kept("imaps://a.test")
        .await
        .expect("store")
        .expect("kept");
    assert_eq!((kept.json.as_str(), kept.total), (report(40).as_str(), 1));
    assert!(kept.age < Duration::from_secs(2), "{:?}", kept.age);
    // The store's keys name no server: a report is filed under its check's SHA-256.
    let keys = redis.cli(&["--scan", "--pattern", "mailtls:{cache}:*"]);
    assert!(!keys.contains("a.test"), "{keys}");
    assert_eq!(keys.lines().count(), 4, "{keys}");
    // A second report that does not fit beside the first pushes the oldest out; one larger
    // than the whole budget is not kept at all.
    assert!(
        store
            .keep("imaps://b.test", &report(60), 1, minute, 100)
            .await
            .expect("store")
    );
    assert!(
        store.kept("imaps://a.test").await.expect("store").is_none(),
        "evicted"
    );
    assert!(store.kept("imaps://b.test").await.expect("store").is_some());
    assert!(
        !store
            .keep("imaps://c.test", &report(200), 1, minute, 100)
            .await
            .expect("store")
    );
    assert_eq!(redis.cli(&["GET", "mailtls:{cache}:bytes"]), "68");
    // fresh=1: a report younger than the minimum age stays and says how long; an older one goes.
    let wait = store
        .forget("imaps://b.test", Duration::from_secs(10))
        .await
        .expect("store")
        .expect_err("too young");
    assert!(
        wait > Duration::from_secs(8) && wait <= Duration::from_secs(10),
        "{wait:?}"
    );
    assert_eq!(
        store
            .forget("imaps://b.test", Duration::ZERO)
            .await
            .expect("store"),
        Ok(())
    );
    assert!(store.kept("imaps://b.test").await.expect("store").is_none());
    assert_eq!(redis.cli(&["GET", "mailtls:{cache}:bytes"]), "0");
    // No key lives forever, even after a report too large to keep met an empty cache.
    assert!(
        !store
            .keep("imaps://e.test", &report(500), 1, minute, 100)
            .await
            .expect("store")
    );
    for key in redis.cli(&["--scan", "--pattern", "mailtls:*"]).lines() {
        let ttl: i64 = redis.cli(&["PTTL", key]).parse().expect("a number");
        assert!(ttl > 0, "{key} has no time to live ({ttl})");
    }
    // Reports leave with their time.
    assert!(
        store
            .keep(
                "imaps://d.test",
                &report(1),
                1,
                Duration::from_millis(300),
                100
            )
            .await
            .expect("store")
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(store.kept("imaps://d.test").await.expect("store").is_none());
    // The embedded store keeps no reports of its own (this process's cache does).
    let embedded = Store::default();
    assert!(
        !embedded
            .keep("imaps://a.test", &report(1), 1, minute, 100)
            .await
            .expect("never fails")
    );
    assert!(
        embedded
            .kept("imaps://a.test")
            .await
            .expect("never fails")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_made_on_one_replica_is_served_from_the_store_by_the_others() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("valid", "mail.example.test", Validity::CURRENT);
    let server = tests::servers::OpensslServer::start(&cert, &[]);
    let redis = RedisServer::start();
    let fleet: Vec<ProbeApi> = (0..3)
        .map(|_| {
            let mut options =
                ProbeApiOptions::loopback(&ca.ca_file, &["mail.example.test"], &[server.port]);
            options
                .extra_args
                .extend(["--store".to_owned(), redis.url()]);
            ProbeApi::start(&options)
        })
        .collect();
    let target = format!("imaps://mail.example.test:{}", server.port);
    let (status, first) = fleet[0].check(&[("target", &target)]).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["cached"], serde_json::Value::Null);
    // A fresh check this soon is refused by a replica that never saw the report: the store
    // says how old it is.
    let (status, refused) = fleet[2].check(&[("target", &target), ("fresh", "1")]).await;
    assert_eq!(status, 429, "{refused}");
    for api in &fleet[1..] {
        let (status, report) = api.check(&[("target", &target)]).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["cached"], true, "{report}");
        assert_eq!(report["endpoints"], first["endpoints"]);
        assert_eq!(report["checked_at"], first["checked_at"]);
        // A fresh check this soon is refused by every replica, not only the one that made it.
        let (status, refused) = api.check(&[("target", &target), ("fresh", "1")]).await;
        assert_eq!(status, 429, "{refused}");
    }
    // The replica that got the report from the store keeps a copy for the rest of its time:
    // asked again, it answers without asking the store (its limits are off in this test).
    let scripts = || {
        redis
            .cli(&["INFO", "commandstats"])
            .lines()
            .find_map(|line| line.strip_prefix("cmdstat_evalsha:calls="))
            .and_then(|rest| rest.split(',').next())
            .and_then(|calls| calls.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let before = scripts();
    let (status, again) = fleet[1].check(&[("target", &target)]).await;
    assert_eq!(
        (status, &again["cached"]),
        (200, &serde_json::Value::Bool(true))
    );
    assert_eq!(
        scripts(),
        before,
        "a second hit on the same replica stays local"
    );
    let started = fleet_metric(&fleet, "mailtls_checks_started_total").await;
    let hits = fleet_metric(&fleet, "mailtls_check_cache_hits_total").await;
    assert_eq!((started, hits), (1, 3), "one check for the whole fleet");
}

/// The sum of `name` over the fleet's `/metrics`.
async fn fleet_metric(fleet: &[ProbeApi], name: &str) -> u64 {
    let mut sum = 0;
    for api in fleet {
        sum += api.metric(name).await;
    }
    sum
}

/// Three replicas on `redis`, the test CA trusted, `names` resolved and `ports` allowed.
fn fleet_on(
    redis: &RedisServer,
    ca: &tests::pki::TestCa,
    names: &[&str],
    ports: &[u16],
    extra: &[&str],
) -> Vec<ProbeApi> {
    (0..3)
        .map(|_| {
            let mut options = ProbeApiOptions::loopback(&ca.ca_file, names, ports);
            options.extra_args.extend([
                "--store".to_owned(),
                redis.url(),
                "--trusted-proxy".to_owned(),
                "127.0.0.1".to_owned(),
            ]);
            options
                .extra_args
                .extend(extra.iter().map(|arg| (*arg).to_owned()));
            ProbeApi::start(&options)
        })
        .collect()
}

/// Three replicas on one store and an SMTP server that holds its greeting until `gate` opens:
/// a check that stays running while a test looks at it.
struct HeldLab {
    _dir: tempfile::TempDir,
    _redis: RedisServer,
    gate: Gate,
    held: Stub,
    fleet: Vec<ProbeApi>,
}

impl HeldLab {
    const NAME: &str = "mail.example.test";

    /// The lab, the replicas started with `extra` options.
    fn start(extra: &[&str]) -> HeldLab {
        let (dir, ca) = test_ca();
        let gate = Gate::new();
        let held = Stub::start(Behaviour::HeldGreeting { gate: gate.clone() });
        let redis = RedisServer::start();
        let fleet = fleet_on(&redis, &ca, &[Self::NAME], &[held.port()], extra);
        HeldLab {
            _dir: dir,
            _redis: redis,
            gate,
            held,
            fleet,
        }
    }

    /// The held server as a target.
    fn target(&self) -> String {
        format!("smtp://{}:{}", Self::NAME, self.held.port())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn thirty_clients_through_the_balancer_get_one_check_of_the_server_and_the_same_report() {
    let HeldLab {
        _dir,
        _redis,
        gate,
        held,
        fleet,
    } = HeldLab::start(&["--step-timeout", "60", "--check-timeout", "120"]);
    let name = HeldLab::NAME;
    let haproxy = Haproxy::start(&fleet.iter().map(ProbeApi::address).collect::<Vec<_>>());
    let target = format!("smtp://{name}:{}", held.port());
    let base = haproxy.base_url();
    let clients: Vec<_> = (0..30)
        .map(|_| {
            let (base, target) = (base.clone(), target.clone());
            tokio::spawn(async move { check_at(&base, &[("target", &target)]).await })
        })
        .collect();
    // While the server holds its greeting, all thirty requests arrive: one check, 29 joined
    // (on its replica, or following it from another).
    let deadline = Instant::now() + Duration::from_secs(30);
    while fleet_metric(&fleet, "mailtls_checks_coalesced_total").await < 29 {
        assert!(Instant::now() < deadline, "the requests did not all join");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    gate.open();
    let mut reports = Vec::new();
    for client in clients {
        let (status, report) = client.await.expect("the client task");
        assert_eq!(status, 200, "{report}");
        reports.push(report);
    }
    for report in &reports[1..] {
        assert_eq!(report["checked_at"], reports[0]["checked_at"]);
        assert_eq!(report["endpoints"], reports[0]["endpoints"]);
    }
    assert_eq!(
        fleet_metric(&fleet, "mailtls_checks_started_total").await,
        1
    );
    assert_eq!(
        fleet_metric(&fleet, "mailtls_checks_coalesced_total").await,
        29
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stream_on_another_replica_sees_the_whole_check_even_when_it_joins_mid_check() {
    use std::io::Write;
    let (_dir, ca) = test_ca();
    let name = "mail.example.test";
    let cert = ca.server_cert("valid", name, Validity::CURRENT);
    let fast = tests::servers::OpensslServer::start(&cert, &[]);
    let gate = Gate::new();
    let held = Stub::start(Behaviour::HeldGreeting { gate: gate.clone() });
    let redis = RedisServer::start();
    let fleet = fleet_on(
        &redis,
        &ca,
        &[name],
        &[fast.port, held.port()],
        &["--step-timeout", "60", "--check-timeout", "120"],
    );
    let path = format!(
        "/api/v1/check/stream?target=imaps://{name}:{}&target=smtp://{name}:{}",
        fast.port,
        held.port()
    );
    let open = |api: &ProbeApi| {
        let mut stream = std::net::TcpStream::connect(api.address()).expect("connect");
        write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").expect("request");
        stream
    };
    // The first replica runs the check; its fast endpoint is done while the other waits.
    let mut first = open(&fleet[0]);
    read_until(&mut first, "event: endpoint", Duration::from_secs(30));
    // A visitor on another replica joins now: the start, the finished endpoint at once.
    let mut second = open(&fleet[1]);
    let seen = read_until(&mut second, "event: endpoint", Duration::from_secs(10));
    assert!(seen.contains("\"total\":2"), "{seen}");
    assert!(seen.contains(&format!("\"port\":{}", fast.port)), "{seen}");
    gate.open();
    let rest = read_until(&mut second, "event: report", Duration::from_secs(60));
    assert!(
        rest.contains(&format!("\"port\":{}", held.port())),
        "{rest}"
    );
    read_until(&mut first, "event: report", Duration::from_secs(60));
    assert_eq!(
        fleet_metric(&fleet, "mailtls_checks_started_total").await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn followers_hear_an_error_when_the_replica_running_the_check_dies() {
    // A check may take 5 s here, so the dead replica's claim lapses 15 s after it was taken.
    let lab = HeldLab::start(&["--step-timeout", "5", "--check-timeout", "5"]);
    let (fleet, gate, target) = (&lab.fleet, &lab.gate, lab.target());
    let owner = fleet[0].spawn_check(&[("target", &target)]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while fleet[0].metric("mailtls_checks_in_flight").await < 1 {
        assert!(Instant::now() < deadline, "the check did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let follower = fleet[1].spawn_check(&[("target", &target)]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while fleet[1].metric("mailtls_checks_coalesced_total").await < 1 {
        assert!(Instant::now() < deadline, "the follower did not join");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let killed = Instant::now();
    // Killed, not stopped: no stop sequence, no last event, its claim left behind.
    let status = std::process::Command::new("kill")
        .args(["-KILL", &fleet[0].pid().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let (status, body) = follower.await.expect("the follower");
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["error"]["code"], "internal");
    assert!(
        killed.elapsed() < Duration::from_secs(25),
        "{:?}",
        killed.elapsed()
    );
    // The killed replica's own client lost its connection (its task fails on that).
    assert!(owner.await.is_err(), "the killed replica answered");
    gate.open();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_store_refuses_checks_clearly_and_the_replica_recovers_when_it_returns() {
    let mut redis = RedisServer::start();
    let limits = [
        "--client-checks-per-minute",
        "60",
        "--target-checks-per-minute",
        "0",
    ];
    let api = replicas(1, Some(&redis.url()), &limits, &[]).remove(0);
    assert_eq!(api.check(&[("target", "imaps://10.0.0.1")]).await.0, 403);
    let (status, _, body) = api.get("/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));

    redis.stop();
    let started = Instant::now();
    let (status, headers, body) = api
        .get("/api/v1/check?target=imaps://10.0.0.1&lang=en")
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(status, 503, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(body["error"]["code"], "unavailable");
    assert_eq!(
        body["error"]["message"],
        "Checks are temporarily unavailable. Please try again in a few minutes."
    );
    assert_eq!(headers["retry-after"], "30");
    // The page is still served; health says what is wrong; the metric counts it.
    assert_eq!(api.get("/").await.0, 200);
    let (status, _, health) = api.get("/healthz").await;
    assert_eq!(status, 200);
    // It names neither the store's address nor its error: /healthz is public.
    assert_eq!(health, "degraded: the shared store is unavailable\n");
    let (_, _, metrics) = api.get("/metrics").await;
    assert!(metrics.contains("\nmailtls_store_up 0\n"), "{metrics}");
    assert!(
        metrics.contains("mailtls_requests_refused_total{code=\"unavailable\"} 1"),
        "{metrics}"
    );

    // The store comes back (empty): the replica uses it again without a restart.
    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = api.check(&[("target", "imaps://10.0.0.1")]).await.0;
        if status == 403 {
            break;
        }
        assert_eq!(status, 503);
        assert!(Instant::now() < deadline, "no recovery within 15 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, _, metrics) = api.get("/metrics").await;
    assert!(metrics.contains("\nmailtls_store_up 1\n"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_store_lost_mid_check_ends_it_unavailable_and_the_next_check_runs_when_it_is_back() {
    // Both connection slots to 127.0.0.1 (two per destination) are held by two servers that
    // hold their greetings; the third server's probes wait for a slot. The store dies, the
    // greetings come: the waiting probes cannot lease a slot from the fleet's store, so the
    // check ends without a report — `503 unavailable`, never a probe without the shared limit,
    // never `busy`, never a verdict about the servers.
    let (_dir, ca) = test_ca();
    let name = "mail.example.test";
    let cert = ca.server_cert("valid", name, Validity::CURRENT);
    let tls = tests::servers::OpensslServer::start(&cert, &[]);
    // A well-behaved SMTP server in front of it that counts its connections.
    let fast = Stub::start(Behaviour::StarttlsThenTls {
        upstream: std::net::SocketAddr::from(([127, 0, 0, 1], tls.port)),
    });
    let gate = Gate::new();
    let held = [
        Stub::start(Behaviour::HeldGreeting { gate: gate.clone() }),
        Stub::start(Behaviour::HeldGreeting { gate: gate.clone() }),
    ];
    let mut redis = RedisServer::start();
    let ports = [fast.port(), held[0].port(), held[1].port()];
    let mut options = ProbeApiOptions::loopback(&ca.ca_file, &[name], &ports);
    options.extra_args.extend(
        [
            "--store",
            &redis.url(),
            "--step-timeout",
            "30",
            "--check-timeout",
            "60",
        ]
        .map(str::to_owned),
    );
    let api = ProbeApi::start(&options);
    // A second replica whose visitor follows the check the first one runs.
    let follower = ProbeApi::start(&options);
    let targets = [
        ("target", format!("smtp://{name}:{}", fast.port())),
        ("target", format!("smtp://{name}:{}", held[0].port())),
        ("target", format!("smtp://{name}:{}", held[1].port())),
    ];
    let query: Vec<(&str, &str)> = targets.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let check = api.spawn_check(&query);
    let deadline = Instant::now() + Duration::from_secs(20);
    while held.iter().any(|stub| stub.connections() == 0) {
        assert!(
            Instant::now() < deadline,
            "the held servers were not reached"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let following = follower.spawn_check(&query);
    while follower.metric("mailtls_checks_coalesced_total").await == 0 {
        assert!(
            Instant::now() < deadline,
            "the second replica did not follow"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    redis.stop();
    let lost = Instant::now();
    gate.open();
    let (status, body) = check.await.expect("the check's request");
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    // The follower cannot read the check's events any more: the same answer, not an error.
    let (status, body) = following.await.expect("the follower's request");
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    assert!(
        lost.elapsed() < Duration::from_secs(15),
        "{:?}",
        lost.elapsed()
    );
    // The third server was never contacted without a slot from the store: it saw at most the
    // one connection the store granted before it died (the first TLS 1.2 probe).
    assert!(
        fast.connections() <= 1,
        "{} connections",
        fast.connections()
    );

    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = api.check(&query).await;
        if status == 200 {
            assert_eq!(
                body["endpoints"].as_array().map(Vec::len),
                Some(3),
                "{body}"
            );
            break;
        }
        assert_eq!(status, 503, "{body}");
        assert!(
            Instant::now() < deadline,
            "no check within 20 s of the store's return"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_shipped_store_configuration_takes_a_password_and_tls() {
    let (_dir, ca) = test_ca();
    let limits = [
        "--client-checks-per-minute",
        "60",
        "--target-checks-per-minute",
        "0",
    ];
    // deploy/redis/mailtls.conf with a password: a replica that has it limits through it, and
    // the password reaches no log line and no health answer.
    let redis = RedisServer::shipped("s3cret-test-password", None);
    let mut options = ProbeApiOptions::loopback(&ca.ca_file, &[], &[]);
    options.rate_limits = true;
    options.capture_logs = true;
    // The start line names the store.
    options.env.push(("RUST_LOG".to_owned(), "info".to_owned()));
    options.extra_args.extend(limits.map(str::to_owned));
    options
        .extra_args
        .extend(["--store".to_owned(), redis.url()]);
    let api = ProbeApi::start(&options);
    assert_eq!(api.check(&[("target", "imaps://10.0.0.1")]).await.0, 403);
    assert_eq!(api.get("/healthz").await.2, "ok\n");
    let logs = api.logs().join("\n");
    assert!(
        logs.contains(&format!("store=redis://127.0.0.1:{}/0", redis.port)),
        "{logs}"
    );
    assert!(!logs.contains("s3cret"), "{logs}");
    // Without the password the replica does not start.
    refuses_to_start_on(&format!("redis://127.0.0.1:{}/0", redis.port), None);

    // Its TLS lines switched on: `rediss://`, the store's certificate checked against the
    // system's CAs (here the test CA, through SSL_CERT_FILE).
    let cert = ca.server_cert("store", "localhost", Validity::CURRENT);
    let tls = RedisServer::shipped("s3cret-test-password", Some(&cert));
    let mut options = ProbeApiOptions::loopback(&ca.ca_file, &[], &[]);
    options.rate_limits = true;
    options.extra_args.extend(limits.map(str::to_owned));
    options
        .extra_args
        .extend(["--store".to_owned(), tls.url_for("localhost")]);
    options
        .env
        .push(("SSL_CERT_FILE".to_owned(), ca.ca_file.display().to_string()));
    let api = ProbeApi::start(&options);
    assert_eq!(api.check(&[("target", "imaps://10.0.0.1")]).await.0, 403);
    assert_eq!(api.get("/healthz").await.2, "ok\n");
    // A certificate for another name is refused: no replica talks to a store it cannot trust.
    refuses_to_start_on(&tls.url_for("127.0.0.1"), Some(&ca.ca_file));
}

/// `probe-api serve` with the store at `url` (trusting `ca_file`'s CAs when given) must exit
/// at start, saying it cannot use the store.
fn refuses_to_start_on(url: &str, ca_file: Option<&std::path::Path>) {
    let mut command = std::process::Command::new(probe_api_binary());
    command
        .args(["serve", "--bind", "127.0.0.1:0", "--dist"])
        .arg(tests::workspace_root().join("dist"))
        .args(["--store", url])
        .env("RUST_LOG", "warn");
    if let Some(ca_file) = ca_file {
        command.env("SSL_CERT_FILE", ca_file);
    }
    let output = command.output().expect("probe-api runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot use the configured store"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replica_does_not_start_without_its_configured_store() {
    let url = format!("redis://127.0.0.1:{}/0", free_port());
    let started = Instant::now();
    let output = std::process::Command::new(probe_api_binary())
        .args(["serve", "--bind", "127.0.0.1:0", "--store", &url, "--dist"])
        .arg(tests::workspace_root().join("dist"))
        .env("RUST_LOG", "warn")
        .output()
        .expect("probe-api runs");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot use the configured store")
            && stderr.contains(&format!("the shared store {url} is unavailable")),
        "{stderr}"
    );
}
