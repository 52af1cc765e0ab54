//! Amazon Web Services: EKS. A VPC over two availability zones (EKS wants
//! subnets in two), public subnets for the load balancers and one NAT
//! gateway, private subnets for the nodes; the IAM roles of the control
//! plane and of the nodes; a managed node group for each declared node,
//! with the EKS-optimized image of the pool's architecture; the API public
//! for the trusted networks only, else private; the EBS CSI driver add-on
//! (with its role, through EKS Pod Identity) that provisions the volumes
//! of the gp3 StorageClass the Kubernetes tree creates; S3 buckets, an IAM
//! user per bucket consumer; the state in S3.

use super::cluster::{version_offered, Cluster, LABELS_COMMENT, POOLS_BY_NAME};
use super::hcl::{quote, Block, Expr, File};
use super::identities::Consumer;
use super::interface::Outputs;
use super::Provider;
use crate::model::Bucket;

pub struct Aws;

/// AWS-managed policies each role needs (EKS user guide: cluster IAM role,
/// node IAM role).
const CLUSTER_POLICIES: [&str; 1] = ["AmazonEKSClusterPolicy"];
const NODE_POLICIES: [&str; 3] = [
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
];

/// The EBS CSI driver's controller: its service account and the managed
/// policy it needs (EKS user guide, "Amazon EBS CSI driver").
const EBS_CSI_ACCOUNT: &str = "ebs-csi-controller-sa";
const EBS_CSI_POLICIES: [&str; 1] = ["service-role/AmazonEBSCSIDriverPolicy"];

/// An IAM role `label` that the AWS service `service` assumes with
/// `actions`, with the managed `policies` attached.
fn role(label: &str, service: &str, actions: &[&str], policies: &[&str]) -> Vec<Block> {
    let trust = Expr::call(
        "jsonencode",
        Expr::Object(vec![
            ("Version".into(), Expr::str("2012-10-17")),
            (
                "Statement".into(),
                Expr::List(vec![Expr::Object(vec![
                    ("Effect".into(), Expr::str("Allow")),
                    ("Action".into(), Expr::strings(actions)),
                    (
                        "Principal".into(),
                        Expr::Object(vec![("Service".into(), Expr::str(service))]),
                    ),
                ])]),
            ),
        ]),
    );
    let role = Block::new("resource", ["aws_iam_role", label])
        .attr(
            "name",
            Expr::template(format!("${{var.cluster_name}}-{label}")),
        )
        .attr("assume_role_policy", trust);
    let names: Vec<String> = policies.iter().map(|p| quote(p)).collect();
    let attachments = Block::new("resource", ["aws_iam_role_policy_attachment", label])
        .attr(
            "for_each",
            Expr::raw(format!("toset([{}])", names.join(", "))),
        )
        .attr("role", Expr::raw(format!("aws_iam_role.{label}.name")))
        .attr(
            "policy_arn",
            Expr::template(
                "arn:${data.aws_partition.current.partition}:iam::aws:policy/${each.value}",
            ),
        );
    vec![role, attachments]
}

fn network_file() -> File {
    let zones = Block::new("data", ["aws_availability_zones", "available"])
        .attr("state", Expr::str("available"));
    let locals = Block::new::<&str>("locals", [])
        .comment("Two zones; for a /16, a /24 public and a /20 private subnet in each.")
        .attr(
            "zones",
            Expr::raw("slice(data.aws_availability_zones.available.names, 0, 2)"),
        );
    let vpc = Block::new("resource", ["aws_vpc", "main"])
        .attr("cidr_block", Expr::raw("var.network_cidr"))
        .attr("enable_dns_hostnames", Expr::Bool(true))
        .attr("enable_dns_support", Expr::Bool(true))
        .attr(
            "tags",
            Expr::raw(r#"merge(var.tags, { Name = "${var.cluster_name}-vpc" })"#),
        );
    let gateway = Block::new("resource", ["aws_internet_gateway", "main"])
        .attr("vpc_id", Expr::raw("aws_vpc.main.id"))
        .attr(
            "tags",
            Expr::raw(r#"merge(var.tags, { Name = "${var.cluster_name}-internet" })"#),
        );
    let subnet = |label: &str, cidr: &str, public: bool, role_tag: &str| {
        Block::new("resource", ["aws_subnet", label])
            .attr("for_each", Expr::raw("{ for index, zone in local.zones : zone => index }"))
            .attr("vpc_id", Expr::raw("aws_vpc.main.id"))
            .attr("availability_zone", Expr::raw("each.key"))
            .attr("cidr_block", Expr::raw(cidr))
            .attr("map_public_ip_on_launch", Expr::Bool(public))
            .comment("The tag tells the AWS load balancer controller where load balancers go.")
            .attr("tags", Expr::raw(format!(r#"merge(var.tags, {{ Name = "${{var.cluster_name}}-{label}-${{each.key}}", "{role_tag}" = "1" }})"#)))
    };
    let public = subnet(
        "public",
        "cidrsubnet(var.network_cidr, 8, each.value)",
        true,
        "kubernetes.io/role/elb",
    );
    let private = subnet(
        "private",
        "cidrsubnet(var.network_cidr, 4, each.value + 1)",
        false,
        "kubernetes.io/role/internal-elb",
    );
    let address = Block::new("resource", ["aws_eip", "nat"])
        .attr("domain", Expr::str("vpc"))
        .attr("tags", Expr::raw("var.tags"));
    let nat = Block::new("resource", ["aws_nat_gateway", "main"])
        .comment("One NAT gateway: the nodes reach out through the first zone.")
        .attr("allocation_id", Expr::raw("aws_eip.nat.id"))
        .attr(
            "subnet_id",
            Expr::raw("aws_subnet.public[local.zones[0]].id"),
        )
        .attr("tags", Expr::raw("var.tags"))
        .attr(
            "depends_on",
            Expr::List(vec![Expr::raw("aws_internet_gateway.main")]),
        );
    let routes = |label: &str, target: &str, via: &str| {
        let table = Block::new("resource", ["aws_route_table", label])
            .attr("vpc_id", Expr::raw("aws_vpc.main.id"))
            .attr("tags", Expr::raw("var.tags"))
            .block(
                Block::new::<&str>("route", [])
                    .attr("cidr_block", Expr::str("0.0.0.0/0"))
                    .attr(target, Expr::raw(via)),
            );
        let association = Block::new("resource", ["aws_route_table_association", label])
            .attr("for_each", Expr::raw(format!("aws_subnet.{label}")))
            .attr("subnet_id", Expr::raw("each.value.id"))
            .attr(
                "route_table_id",
                Expr::raw(format!("aws_route_table.{label}.id")),
            );
        [table, association]
    };
    let mut blocks = vec![zones, locals, vpc, gateway, public, private, address, nat];
    blocks.extend(routes(
        "public",
        "gateway_id",
        "aws_internet_gateway.main.id",
    ));
    blocks.extend(routes(
        "private",
        "nat_gateway_id",
        "aws_nat_gateway.main.id",
    ));
    File::of_blocks(blocks)
}

fn cluster_file(cluster: &Cluster) -> File {
    let locals = Block::new::<&str>("locals", [])
        .attr("node_pools", Expr::raw(POOLS_BY_NAME))
        .comment(format!(
            "EKS-optimized images by architecture ({}).",
            cluster.terraform.provenance.name
        ))
        .attr("ami_types", Expr::string_map(&cluster.terraform.images));
    let partition = Block::new("data", ["aws_partition", "current"]);
    let versions = Block::new("data", ["aws_eks_cluster_versions", "offered"])
        .comment("The Kubernetes versions EKS offers for new clusters.");
    let offered = version_offered(
        "EKS",
        "contains(data.aws_eks_cluster_versions.offered.cluster_versions[*].cluster_version, var.kubernetes_version)",
        "",
    );
    let eks = Block::new("resource", ["aws_eks_cluster", "main"])
        .attr("name", Expr::raw("var.cluster_name"))
        .attr("version", Expr::raw("var.kubernetes_version"))
        .attr("role_arn", Expr::raw("aws_iam_role.cluster.arn"))
        .attr("tags", Expr::raw("var.tags"))
        .block(
            Block::new::<&str>("vpc_config", [])
                .attr("subnet_ids", Expr::raw("values(aws_subnet.private)[*].id"))
                .attr("endpoint_private_access", Expr::Bool(true))
                .comment("The Kubernetes API from the trusted networks only; none: private.")
                .attr(
                    "endpoint_public_access",
                    Expr::raw("length(var.trusted_cidrs) > 0"),
                )
                .attr(
                    "public_access_cidrs",
                    Expr::raw("length(var.trusted_cidrs) > 0 ? var.trusted_cidrs : null"),
                ),
        )
        .block(
            Block::new::<&str>("access_config", [])
                .attr("authentication_mode", Expr::str("API"))
                .attr(
                    "bootstrap_cluster_creator_admin_permissions",
                    Expr::Bool(true),
                ),
        )
        .attr(
            "depends_on",
            Expr::List(vec![Expr::raw("aws_iam_role_policy_attachment.cluster")]),
        )
        .block(offered);
    let groups = Block::new("resource", ["aws_eks_node_group", "pool"])
        .comment("One node group for each declared node, named after it (terraform.tfvars).")
        .attr("for_each", Expr::raw("local.node_pools"))
        .attr("cluster_name", Expr::raw("aws_eks_cluster.main.name"))
        .attr("node_group_name", Expr::raw("each.key"))
        .attr("node_role_arn", Expr::raw("aws_iam_role.node.arn"))
        .attr("subnet_ids", Expr::raw("values(aws_subnet.private)[*].id"))
        .attr(
            "instance_types",
            Expr::List(vec![Expr::raw("each.value.size")]),
        )
        .attr("ami_type", Expr::raw("local.ami_types[each.value.arch]"))
        .attr(
            "capacity_type",
            Expr::raw(r#"each.value.preemptible ? "SPOT" : "ON_DEMAND""#),
        )
        .attr("disk_size", Expr::raw("each.value.boot_volume_gb"))
        .comment(LABELS_COMMENT)
        .attr("labels", Expr::raw("each.value.labels"))
        .attr("tags", Expr::raw("var.tags"))
        .block(
            Block::new::<&str>("scaling_config", [])
                .attr("desired_size", Expr::raw("each.value.min_nodes"))
                .attr("min_size", Expr::raw("each.value.min_nodes"))
                .attr("max_size", Expr::raw("each.value.max_nodes")),
        )
        .attr(
            "depends_on",
            Expr::List(vec![Expr::raw("aws_iam_role_policy_attachment.node")]),
        );
    let pod_identity = Block::new("resource", ["aws_eks_addon", "pod_identity"])
        .comment("EKS Pod Identity: gives the EBS CSI driver its role.")
        .attr("cluster_name", Expr::raw("aws_eks_cluster.main.name"))
        .attr("addon_name", Expr::str("eks-pod-identity-agent"))
        .attr("tags", Expr::raw("var.tags"))
        .attr(
            "depends_on",
            Expr::List(vec![Expr::raw("aws_eks_node_group.pool")]),
        );
    let ebs = Block::new("resource", ["aws_eks_addon", "ebs_csi"])
        .comment("The EBS CSI driver provisions the volumes of the gp3 StorageClass;\nwithout it every claim stays Pending.")
        .attr("cluster_name", Expr::raw("aws_eks_cluster.main.name"))
        .attr("addon_name", Expr::str("aws-ebs-csi-driver"))
        .attr("tags", Expr::raw("var.tags"))
        .block(
            Block::new::<&str>("pod_identity_association", [])
                .attr("role_arn", Expr::raw("aws_iam_role.ebs_csi.arn"))
                .attr("service_account", Expr::str(EBS_CSI_ACCOUNT)),
        )
        .attr("depends_on", Expr::List(vec![Expr::raw("aws_eks_addon.pod_identity")]));
    let mut blocks = vec![locals, partition, versions];
    blocks.extend(role(
        "cluster",
        "eks.amazonaws.com",
        &["sts:AssumeRole"],
        &CLUSTER_POLICIES,
    ));
    blocks.extend(role(
        "node",
        "ec2.amazonaws.com",
        &["sts:AssumeRole"],
        &NODE_POLICIES,
    ));
    blocks.extend(role(
        "ebs_csi",
        "pods.eks.amazonaws.com",
        &["sts:AssumeRole", "sts:TagSession"],
        &EBS_CSI_POLICIES,
    ));
    blocks.extend([eks, groups, pod_identity, ebs]);
    File::of_blocks(blocks)
}

impl Provider for Aws {
    fn identity(&self, consumer: &Consumer, bucket: &str) -> Vec<Block> {
        let label = &consumer.label;
        let statement = |actions: &[&str], resource: String| {
            Expr::Object(vec![
                ("Effect".into(), Expr::str("Allow")),
                ("Action".into(), Expr::strings(actions)),
                ("Resource".into(), Expr::template(resource)),
            ])
        };
        let policy = Expr::call(
            "jsonencode",
            Expr::Object(vec![
                ("Version".into(), Expr::str("2012-10-17")),
                (
                    "Statement".into(),
                    Expr::List(vec![
                        statement(
                            &["s3:ListBucket", "s3:GetBucketLocation"],
                            format!("arn:aws:s3:::${{{bucket}}}"),
                        ),
                        statement(
                            &["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                            format!("arn:aws:s3:::${{{bucket}}}/*"),
                        ),
                    ]),
                ),
            ]),
        );
        vec![
            Block::new("resource", ["aws_iam_user", label])
                .attr("name", Expr::str(&consumer.name))
                .attr("tags", Expr::raw("var.tags")),
            Block::new("resource", ["aws_iam_user_policy", label])
                .comment("Its own bucket's objects, nothing else.")
                .attr("name", Expr::str(&consumer.name))
                .attr("user", Expr::raw(format!("aws_iam_user.{label}.name")))
                .attr("policy", policy),
            Block::new("resource", ["aws_iam_access_key", label])
                .attr("user", Expr::raw(format!("aws_iam_user.{label}.name"))),
        ]
    }

    fn credentials(&self, consumer: &Consumer) -> (Expr, Expr) {
        let key = format!("aws_iam_access_key.{}", consumer.label);
        (
            Expr::raw(format!("{key}.id")),
            Expr::raw(format!("{key}.secret")),
        )
    }

    fn configuration(&self) -> Block {
        Block::new("provider", ["aws"])
            .comment("Credentials come from the AWS CLI's configuration or AWS_* variables.")
            .attr("region", Expr::raw("var.region"))
            .block(Block::new::<&str>("default_tags", []).attr("tags", Expr::raw("var.tags")))
    }

    fn module_files(&self, cluster: &Cluster) -> Vec<(&'static str, File)> {
        vec![
            ("network.tf", network_file()),
            ("cluster.tf", cluster_file(cluster)),
        ]
    }

    fn outputs(&self) -> Outputs {
        let cluster = "aws_eks_cluster.main";
        let exec = Expr::Object(vec![
            (
                "apiVersion".into(),
                Expr::str("client.authentication.k8s.io/v1beta1"),
            ),
            ("command".into(), Expr::str("aws")),
            (
                "args".into(),
                Expr::raw(format!(
                    r#"["eks", "get-token", "--region", var.region, "--cluster-name", {cluster}.name]"#
                )),
            ),
        ]);
        let kubeconfig = Expr::Object(vec![
            ("apiVersion".into(), Expr::str("v1")),
            ("kind".into(), Expr::str("Config")),
            (
                "current-context".into(),
                Expr::raw(format!("{cluster}.name")),
            ),
            (
                "clusters".into(),
                Expr::List(vec![Expr::Object(vec![
                    ("name".into(), Expr::raw(format!("{cluster}.name"))),
                    (
                        "cluster".into(),
                        Expr::Object(vec![
                            ("server".into(), Expr::raw(format!("{cluster}.endpoint"))),
                            (
                                "certificate-authority-data".into(),
                                Expr::raw(format!("{cluster}.certificate_authority[0].data")),
                            ),
                        ]),
                    ),
                ])]),
            ),
            (
                "contexts".into(),
                Expr::List(vec![Expr::Object(vec![
                    ("name".into(), Expr::raw(format!("{cluster}.name"))),
                    (
                        "context".into(),
                        Expr::Object(vec![
                            ("cluster".into(), Expr::raw(format!("{cluster}.name"))),
                            ("user".into(), Expr::raw(format!("{cluster}.name"))),
                        ]),
                    ),
                ])]),
            ),
            (
                "users".into(),
                Expr::List(vec![Expr::Object(vec![
                    ("name".into(), Expr::raw(format!("{cluster}.name"))),
                    ("user".into(), Expr::Object(vec![("exec".into(), exec)])),
                ])]),
            ),
        ]);
        Outputs {
            cluster_id: Expr::raw(format!("{cluster}.id")),
            endpoint: Expr::raw(format!("{cluster}.endpoint")),
            ca_certificate: Expr::raw(format!("{cluster}.certificate_authority[0].data")),
            kubeconfig: Expr::call("yamlencode", kubeconfig),
            kubeconfig_command: Expr::template(format!(
                "aws eks update-kubeconfig --region ${{var.region}} --name ${{{cluster}.name}}"
            )),
        }
    }

    fn bucket(&self, label: &str, bucket: &Bucket, state: bool) -> Vec<Block> {
        let mut blocks = vec![Block::new("resource", ["aws_s3_bucket", label])
            .comment("S3 bucket names are global: a taken name fails here, not in a later step.")
            .attr("bucket", Expr::str(&bucket.cloud_name))];
        if !bucket.public {
            blocks.push(
                Block::new("resource", ["aws_s3_bucket_public_access_block", label])
                    .attr("bucket", Expr::raw(format!("aws_s3_bucket.{label}.id")))
                    .attr("block_public_acls", Expr::Bool(true))
                    .attr("block_public_policy", Expr::Bool(true))
                    .attr("ignore_public_acls", Expr::Bool(true))
                    .attr("restrict_public_buckets", Expr::Bool(true)),
            );
        }
        if state {
            blocks.push(
                Block::new("resource", ["aws_s3_bucket_versioning", label])
                    .comment("Every write of the state keeps the previous one.")
                    .attr("bucket", Expr::raw(format!("aws_s3_bucket.{label}.id")))
                    .block(
                        Block::new::<&str>("versioning_configuration", [])
                            .attr("status", Expr::str("Enabled")),
                    ),
            );
        }
        blocks
    }

    fn bucket_name(&self, label: &str) -> String {
        format!("aws_s3_bucket.{label}.bucket")
    }

    fn backend(&self, cluster: &Cluster, bucket: &Bucket) -> Block {
        Block::new("backend", ["s3"])
            .attr("bucket", Expr::str(&bucket.cloud_name))
            .attr("key", Expr::str(cluster.state_key()))
            .attr("region", Expr::str(&cluster.platform.cloud.region))
            .attr("encrypt", Expr::Bool(true))
            .comment("A lock file beside the state, without a DynamoDB table (Terraform 1.10+).")
            .attr("use_lockfile", Expr::Bool(true))
    }

    fn backend_init(&self) -> &'static str {
        "terraform init"
    }

    fn credentials_help(&self) -> &'static str {
        "the AWS provider reads the AWS CLI's configuration (`aws configure`) or `AWS_*` variables."
    }
}
