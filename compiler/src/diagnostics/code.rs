//! The registry of diagnostic codes. A code never changes meaning once
//! released; each has a page in `docs/errors/<CODE>.md` (a test checks both
//! directions), which `hplc explain` prints.

use super::Severity;

macro_rules! codes {
    ($($variant:ident = $code:literal, $severity:ident, $title:literal;)*) => {
        #[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }

            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }

            /// One line saying what the code is about.
            pub fn title(self) -> &'static str {
                match self {
                    $(Code::$variant => $title,)*
                }
            }

            pub fn parse(text: &str) -> Option<Code> {
                let text = text.trim().to_ascii_uppercase();
                Code::ALL.iter().copied().find(|c| c.as_str() == text)
            }
        }
    };
}

codes! {
    // Reading and parsing.
    Syntax = "E0001", Error, "syntax error";
    NotUtf8 = "E0002", Error, "source file is not valid UTF-8";
    FileTooLarge = "E0003", Error, "source file too large";
    LineTooLong = "E0004", Error, "line too long";
    NestingTooDeep = "E0005", Error, "brackets nested too deep";
    ReadFailed = "E0006", Error, "cannot read source file";
    TooManyDeclarations = "E0007", Error, "too many declarations";

    // Names, modules, kinds and fields.
    UnknownName = "E0101", Error, "unknown name";
    Duplicate = "E0102", Error, "duplicate declaration";
    ModuleNotFound = "E0103", Error, "module not found";
    ImportNotFound = "E0104", Error, "imported name not found in module";
    NotAKind = "E0105", Error, "not a kind";
    UnknownEnv = "E0106", Error, "unknown environment";
    UnknownField = "E0107", Error, "unknown field";
    FieldSetTwice = "E0108", Error, "field set twice";
    MissingField = "E0109", Error, "missing required field";
    KindCycle = "E0110", Error, "kind extends itself";
    ValueCycle = "E0111", Error, "value depends on itself";
    NoPlatform = "E0112", Error, "no platform declared";
    SecondPlatform = "E0113", Error, "more than one platform";
    NotAMap = "E0114", Error, "entry on a field that is not a map";
    UnknownType = "E0115", Error, "unknown type";
    FieldRedeclared = "E0116", Error, "field declared again in an extending kind";
    NotAValue = "E0117", Error, "name is not a value";
    NoSuchMember = "E0118", Error, "no such member";
    EvaluationTooDeep = "E0119", Error, "evaluation nested too deep";
    UndeclaredField = "E0120", Error, "field read by the compiler not declared";
    MissingInput = "E0121", Error, "build input missing";
    RemovedInstanceUsed = "E0122", Error, "instance taken out of an environment is still used";

    // Types and values.
    TypeMismatch = "E0201", Error, "type mismatch";
    UnitMismatch = "E0202", Error, "unit mismatch";
    UnknownUnit = "E0203", Error, "unknown unit";
    RequestAboveLimit = "E0204", Error, "request above limit";
    NumberOutOfRange = "E0205", Error, "number out of range";
    BadPort = "E0206", Error, "port out of range";
    BadCron = "E0207", Error, "invalid cron schedule";
    BadHost = "E0208", Error, "invalid host name";
    BadImage = "E0209", Error, "invalid image reference";
    WrongKind = "E0210", Error, "reference to the wrong kind";
    UnknownVariant = "E0211", Error, "unknown enum value";
    NotInterpolable = "E0212", Error, "value cannot be interpolated";
    DivisionByZero = "E0213", Error, "division by zero";
    TooPrecise = "E0214", Error, "number more precise than its unit allows";
    BadEscape = "E0215", Error, "unknown escape in string";
    BadCidr = "E0216", Error, "invalid CIDR block";
    BadUrl = "E0217", Error, "invalid URL";

    // The dependency graph.
    DependencyCycle = "E0501", Error, "dependency cycle";

    // Placement and capacity.
    NodeCpuOver = "E0601", Error, "node CPU requests over allocatable";
    NodeMemoryOver = "E0602", Error, "node memory requests over allocatable";
    NodePodsOver = "E0603", Error, "too many pods on a node";
    Unplaceable = "E0604", Error, "replica cannot be placed";
    LocalStorageOver = "E0605", Error, "node-local volumes exceed the boot volume";
    VolumeTooLarge = "E0606", Error, "volume above its storage class maximum";
    BootVolumeTooSmall = "E0607", Error, "boot volume below the cloud minimum";
    NoNodes = "E0608", Error, "no nodes declared";
    ShapeOfAnotherCloud = "E0609", Error, "node shape from another cloud";
    KubernetesVersionFormat = "E0610", Error, "Kubernetes version not in the cloud's format";
    PodNetworkOfAnotherProvider = "E0611", Error, "pod network the cloud does not offer";
    CeilingOver = "E0612", Error, "replicas at their ceiling do not fit the nodes";

    // Budget.
    BudgetCpu = "E0701", Error, "CPU over budget";
    BudgetMemory = "E0702", Error, "memory over budget";
    BudgetBlockStorage = "E0703", Error, "block storage over budget";
    BudgetObjectStorage = "E0704", Error, "object storage over budget";
    BudgetLoadBalancers = "E0705", Error, "load balancers over budget";

    // Safety.
    LatestTag = "E0801", Error, "image tagged latest";
    NoArm64 = "E0802", Error, "image without a known arm64 variant on an ARM node";
    PublicWithoutTls = "E0803", Error, "public endpoint without TLS";
    NoPodSecurity = "E0804", Error, "namespace without a Pod Security level";
    SecretInSource = "E0805", Error, "secret value written in the source";
    ApiOpenToInternet = "E0806", Error, "Kubernetes API open to the whole internet";
    DocumentationRange = "E0807", Error, "documentation address range as a trusted network";
    NotACidr = "E0808", Error, "trusted network is not a CIDR block";
    PlaintextLoadBalancer = "E0809", Error, "public load balancer without TLS, not acknowledged";
    AdminPortPublished = "E0810", Error, "admin port published";

    // Components.
    BackupWithoutMethod = "E0901", Error, "backup on a component with no backup method";
    ImageNotInTable = "E0902", Error, "component image the image table does not list";
    CatalogImage = "E0903", Error, "image from Bitnami's withdrawn catalog";
    ReplicatedSingleServer = "E0904", Error, "more than one replica of a server that knows no peers";
    ReplicationWrongOperator = "E0905", Error, "replication by an operator that does not run this kind";
    ReplicatedInstances = "E0906", Error, "replicated cluster without a fixed number of instances";
    BucketAccessWithoutKeys = "E0907", Error, "bucket access without its key pair";
    NoS3Endpoint = "E0908", Error, "bucket access on a cloud with no S3 endpoint";
    BackupOfCache = "E0909", Error, "backup of a component declared a cache";
    ReplicationFieldUnread = "E0910", Error, "replication field its operator has no place for";
    ClientWithoutLogin = "E0911", Error, "client of a server without a login of its own";
    ClientWithOthersLogin = "E0912", Error, "client reading another's login to a server";
    LoginOfNoClient = "E0915", Error, "login for a service that is no client of the server";
    LoginsNothingCreates = "E0916", Error, "logins on a server whose kind creates no roles";
    QueueWithoutScaler = "E0913", Error, "queue autoscaling that nothing would serve";
    QueueTargetIncomplete = "E0914", Error, "queue target incomplete";

    // What the Kubernetes API accepts.
    KubernetesName = "E1001", Error, "name Kubernetes does not accept";
    KubernetesNameClash = "E1002", Error, "two declarations become one Kubernetes name";
    NumberOutOfField = "E1003", Error, "number outside what its Kubernetes field holds";
    DuplicatePort = "E1004", Error, "two ports with one number";
    NoSuchPort = "E1005", Error, "port not declared";

    // Warnings.
    SecretWithoutValue = "W0801", Warning, "sealed secret key without a sealed value";
    VolumeRoundedUp = "W0601", Warning, "volume rounded up to its storage class minimum";
    NoTerraform = "W0602", Warning, "no Terraform for the platform's cloud";
    UnsupportedKubernetesVersion = "W0603", Warning, "Kubernetes version not known to be offered";
    VolumeWithoutBackup = "W0604", Warning, "stateful volume with no backup path";
    SupersededBudget = "W0701", Warning, "budget superseded by a newer one";
    UnconfirmedArchitectures = "W0901", Warning, "image architectures not confirmed for its version";
    PastEndOfLife = "W0902", Warning, "image past its end of life";
    CriticalCve = "W0903", Warning, "image with a known critical vulnerability";
    UnusedImport = "W0101", Warning, "unused import";
    UnusedDeclaration = "W0102", Warning, "unused declaration";
    EmptyNamespace = "W0103", Warning, "namespace without workloads";
}

#[cfg(test)]
mod tests {
    use super::Code;

    /// Every code has a page in docs/errors/ (embedded for `hplc explain`),
    /// titled with its code and title, and no page is left without a code.
    #[test]
    fn every_code_has_a_page_and_every_page_a_code() {
        for code in Code::ALL {
            let page = crate::embedded::error_page(code.as_str())
                .unwrap_or_else(|| panic!("no docs/errors/{}.md", code.as_str()));
            let first = page.lines().next().unwrap_or_default();
            assert_eq!(
                first,
                format!("# {}: {}", code.as_str(), code.title()),
                "title line of {}.md",
                code.as_str()
            );
        }
        for (name, _) in crate::embedded::error_pages() {
            assert!(
                Code::parse(name).is_some(),
                "docs/errors/{name}.md documents no code"
            );
        }
    }

    #[test]
    fn codes_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(
                seen.insert(code.as_str()),
                "{} is used twice",
                code.as_str()
            );
        }
    }
}
