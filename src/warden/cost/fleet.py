"""The made-up fleet behind warden.cost.generate: each resource's billed lines (service,
tags, pricing, the cost and quantity of one day) and when it runs. The named resources are
the scenarios the tests and docs rely on; ``bulk`` adds ordinary ones to reach a size."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from warden.cost.catalog import load

ANOMALY_SERVICE = "Amazon CloudFront"
ANOMALY_DAYS = (10, 11, 12)  # days of the anomaly month
ANOMALY_FACTOR = 6.0
PROVIDER_NAMES = {"aws": "Amazon Web Services", "gcp": "Google Cloud", "azure": "Microsoft"}


@dataclass
class Line:
    """One billed line of a resource, repeated every day it is active."""

    provider: str
    service: str
    category: str
    rid: str | None
    name: str | None
    rtype: str | None
    region: str | None
    tags: dict[str, str]
    daily: float  # list cost per day at the start
    unit: str | None = None
    qty: float = 0.0  # quantity per day (hours, GB-Mo/30, ...)
    pricing: str = "Standard"
    effective: float = 1.0  # effective / list
    billed: float = 1.0  # billed / list
    commitment: str | None = None
    sku: str | None = None
    details: dict[str, str] | None = None
    description: str = ""
    charge: str = "Usage"
    pattern: str = "flat"  # flat | weekly | growth | monthly
    noise: float = 0.0
    start: int = 0  # first active day (index)
    end: int = 10**9  # first inactive day
    anomaly: bool = False
    status: str | None = None


def _tags(team: str | None, env: str | None, app: str | None, **extra: str) -> dict[str, str]:
    out = {k: v for k, v in (("team", team), ("env", env), ("app", app)) if v}
    return {**out, **extra}


def _instance(
    provider: str,
    region: str,
    itype: str,
    name: str,
    tags: dict[str, str],
    hours: float = 24.0,
    pricing: str = "Standard",
    **kw: Any,
) -> Line:
    row = load().get(provider, region, itype)
    assert row is not None, itype
    service = {
        "aws": "Amazon Elastic Compute Cloud",
        "gcp": "Compute Engine",
        "azure": "Virtual Machines",
    }[provider]
    digest = hashlib.sha256(name.encode()).hexdigest()[:12]
    rid = {
        "aws": f"i-{digest}",
        "gcp": f"projects/p/instances/{name}",
        "azure": f"/subscriptions/s/virtualMachines/{name}",
    }[provider]
    ratio = {"Standard": 1.0, "Committed": 0.72, "Dynamic": 0.3}[pricing]
    extra = {"effective": ratio, "billed": 0.0 if pricing == "Committed" else ratio}
    how = {"Standard": "On Demand", "Committed": "Savings Plan covered", "Dynamic": "Spot"}
    return Line(
        provider,
        service,
        "Compute",
        rid,
        name,
        "Instance",
        region,
        {**tags, "Name": name},
        row.usd_per_hour * hours,
        "Hours",
        hours,
        pricing,
        sku=f"SKU-{itype}",
        details={"InstanceType": itype},
        description=f"{how[pricing]} Linux {itype} instance hour",
        **{**extra, **kw},
    )


def core(days: int) -> list[Line]:
    """The named resources every export has (the scenarios tests and docs rely on)."""
    sp = "arn:aws:savingsplans::1:savingsplan/sp-1"
    shop, data = ("shop", "prod", "web"), ("data", "prod", "etl")
    use1, prod_api = "us-east-1", _tags("shop", "prod", "api")
    out = [
        _instance("aws", use1, "m5.2xlarge", "web-1", _tags(*shop)),
        _instance("aws", use1, "m5.2xlarge", "web-2", _tags(*shop)),
        _instance("aws", use1, "c5.xlarge", "api-1", prod_api, pricing="Committed", commitment=sp),
        _instance("aws", use1, "c5.xlarge", "api-2", prod_api, pricing="Committed", commitment=sp),
        *[_instance("aws", "us-west-2", "m5.xlarge", f"batch-{i}", _tags(*data), pricing="Dynamic")
          for i in (1, 2, 3)],
        _instance("aws", use1, "m5.xlarge", "queue-1",
                  _tags("data", "prod", "queue", **{"fault-tolerant": "true"})),
        _instance("aws", use1, "t3.large", "dev-1", _tags("search", "dev", "search")),
        _instance("aws", use1, "t3.large", "dev-2", _tags("search", "dev", "search")),
        _instance("aws", use1, "m5.large", "staging-1", _tags("shop", "staging", "web")),
        _instance("aws", use1, "m5.large", "old-worker", _tags(*data), end=days // 2),
        *[_instance("gcp", "us-central1", "n2-standard-4", f"gke-node-{i}",
                    _tags("search", "prod", "search")) for i in (1, 2, 3)],
        _instance("azure", "eastus", "Standard_D4s_v5", "vm-reporting",
                  _tags("data", "prod", "reports")),
    ]  # fmt: skip
    vol = ("Amazon Elastic Block Store", "Storage")
    for name, gb, tags, inst in [
        ("web-1-root", 100, _tags(*shop), "web-1"), ("web-2-root", 100, _tags(*shop), "web-2"),
        ("old-worker-data", 500, _tags(*data), "old-worker"),
        ("orphan-vol-1", 400, _tags("data", None, None), "legacy-7"),
    ]:  # fmt: skip
        out.append(Line("aws", *vol, f"vol-{name}", name, "Volume", use1,
                        {**tags, "instance": inst}, gb * 0.08 / 30, "GB-Mo", gb / 30,
                        sku="SKU-gp3", details={"VolumeType": "gp3"},
                        description="gp3 storage GB-month"))  # fmt: skip
    for name, gb, start in [("snap-db-2023", 800, 0), ("snap-recent", 200, max(0, days - 10))]:
        out.append(Line("aws", *vol, f"snap-{name}", name, "Snapshot", use1, _tags(*data),
                        gb * 0.05 / 30, "GB-Mo", gb / 30, sku="SKU-snapshot",
                        description="EBS snapshot storage GB-month", start=start))  # fmt: skip
    elb = ("Elastic Load Balancing", "Networking")
    for name, lcu in [("lb-web", 40.0), ("lb-legacy", 0.0)]:
        tags = _tags(*shop) if name == "lb-web" else _tags("shop", "prod", "legacy")
        out.append(Line("aws", *elb, f"lb-{name}", name, "Load Balancer", use1, tags,
                        0.0225 * 24, "Hours", 24.0, sku="SKU-alb-hours",
                        description="Application load balancer hour"))  # fmt: skip
        out.append(Line("aws", *elb, f"lb-{name}", name, "Load Balancer", use1, tags,
                        0.008 * lcu, "LCU-Hrs", lcu, sku="SKU-alb-lcu", pattern="weekly",
                        noise=0.05, description="Load balancer capacity units"))  # fmt: skip
    s3 = ("Amazon Simple Storage Service", "Storage")
    for name, gb, cls in [("logs-bucket", 20000, "Standard"),
                          ("assets-bucket", 5000, "Intelligent-Tiering")]:  # fmt: skip
        out.append(Line("aws", *s3, f"arn:aws:s3:::{name}", name, "Bucket", use1,
                        _tags("platform", "prod", "logs" if "logs" in name else "web"),
                        gb * 0.023 / 30, "GB-Mo", gb / 30, sku=f"SKU-s3-{cls}",
                        details={"StorageClass": cls}, pattern="growth",
                        description=f"{cls} storage GB-month"))  # fmt: skip
    out += [
        Line("aws", ANOMALY_SERVICE, "Networking", "cdn-e1", "cdn-main", "Distribution", use1,
             _tags(*shop), 60.0, "GB", 700.0, pattern="weekly", noise=0.04, anomaly=True,
             sku="SKU-cdn", description="Data transfer out to the internet"),
        Line("aws", "AWS Lambda", "Compute", "fn-resize", "resize-images", "Function", use1,
             _tags(*shop), 25.0, "Requests", 5e6, pattern="weekly", noise=0.05,
             description="Lambda requests and duration"),
        Line("aws", "Amazon Relational Database Service", "Databases", "db-main", "db-main",
             "DB Instance", use1, _tags("shop", "prod", "db"), 0.25 * 24, "Hours", 24.0,
             description="db.r5.large instance hour"),
        Line("gcp", "Cloud Storage", "Storage", "gs-backups", "backups", "Bucket", "us-central1",
             _tags("platform", "prod", "backup"), 12.0, "GB-Mo", 600.0,
             details={"StorageClass": "Nearline"}, description="Nearline storage"),
        Line("aws", "AWS Support (Business)", "Management and Governance", None, None, None, None,
             {}, 300.0, pattern="monthly", description="Business support plan"),
        Line("aws", "Tax", "Other", None, None, None, None, {}, 180.0, charge="Tax",
             pattern="monthly", description="Sales tax"),
        Line("aws", "Savings Plans for AWS Compute usage", "Compute", sp, "sp-1", None, None, {},
             0.17 * 0.72 * 24 * 2 * 30.4, charge="Purchase", pattern="monthly", effective=0.0,
             pricing="Committed", commitment=sp, description="1 year no upfront Compute SP"),
    ]  # fmt: skip
    return out


def bulk(n: int, rng: np.random.Generator) -> list[Line]:
    """``n`` ordinary lines to reach the size asked for: instances with their disks,
    functions and buckets across teams, envs and regions (~8 % untagged)."""
    teams = ["shop", "search", "data", "platform", "mobile", "ml"]
    envs = ["prod", "prod", "prod", "staging", "dev"]
    regions = [
        ("aws", "us-east-1"),
        ("aws", "us-west-2"),
        ("aws", "eu-west-1"),
        ("gcp", "us-central1"),
        ("gcp", "europe-west1"),
        ("azure", "eastus"),
    ]
    types = {
        "aws": ["m5.large", "m5.xlarge", "c5.large", "r5.large", "t3.medium", "m6g.large"],
        "gcp": ["e2-standard-2", "n2-standard-2", "e2-standard-4"],
        "azure": ["Standard_D2s_v5", "Standard_B2ms"],
    }
    out: list[Line] = []
    i = 0
    while len(out) < n:
        i += 1
        provider, region = regions[int(rng.integers(len(regions)))]
        tagged = rng.random() > 0.08
        team = teams[int(rng.integers(len(teams)))]
        env = envs[int(rng.integers(len(envs)))]
        tags = _tags(team, env, f"svc{i % 40}") if tagged else {}
        name = f"{team}-{env}-{i}"
        itype = types[provider][int(rng.integers(len(types[provider])))]
        out.append(_instance(provider, region, itype, name, tags))
        if provider == "aws":
            gb = float(rng.choice([50, 100, 200]))
            out.append(
                Line(
                    "aws",
                    "Amazon Elastic Block Store",
                    "Storage",
                    f"vol-{name}",
                    f"{name}-root",
                    "Volume",
                    region,
                    {**tags, "instance": name},
                    gb * 0.08 / 30,
                    "GB-Mo",
                    gb / 30,
                    sku="SKU-gp3",
                )
            )
        if rng.random() < 0.3:
            out.append(
                Line(
                    provider,
                    "AWS Lambda" if provider == "aws" else "Cloud Functions",
                    "Compute",
                    f"fn-{name}",
                    f"fn-{i}",
                    "Function",
                    region,
                    tags,
                    float(rng.uniform(0.5, 5)),
                    "Requests",
                    1e5,
                    pattern="weekly",
                    noise=0.05,
                )
            )
    return out[:n]
