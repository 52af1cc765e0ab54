//! What a node has left for pods: capacity minus kube-reserved,
//! system-reserved and the eviction threshold, from the cloud's
//! reservation data in the stdlib.

use crate::model::{Node, Reservation};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Allocatable {
    pub capacity_cpu: i64,
    pub capacity_memory: i64,
    pub kube_reserved_cpu: i64,
    pub kube_reserved_memory: i64,
    pub system_reserved_cpu: i64,
    pub system_reserved_memory: i64,
    pub eviction_memory: i64,
    pub cpu: i64,
    pub memory: i64,
    pub max_pods: i64,
}

pub fn allocatable(node: &Node, reservation: &Reservation) -> Allocatable {
    let kube_cpu = kube_reserved_cpu(node.shape.cpu, reservation);
    let kube_memory = kube_reserved_memory(node.shape.memory, reservation);
    // The lowest of what the shape, the reservation and the pod network
    // allow; 0 is no limit.
    let max_pods = [
        node.shape.max_pods,
        reservation.max_pods,
        node.network_max_pods,
    ]
    .into_iter()
    .filter(|&n| n > 0)
    .min()
    .unwrap_or(0);
    Allocatable {
        capacity_cpu: node.shape.cpu,
        capacity_memory: node.shape.memory,
        kube_reserved_cpu: kube_cpu,
        kube_reserved_memory: kube_memory,
        system_reserved_cpu: reservation.system_cpu,
        system_reserved_memory: reservation.system_memory,
        eviction_memory: reservation.eviction_memory,
        cpu: node.shape.cpu - kube_cpu - reservation.system_cpu,
        memory: node.shape.memory
            - kube_memory
            - reservation.system_memory
            - reservation.eviction_memory,
        max_pods,
    }
}

/// The entry for the node's core count; past the table, its last entry
/// plus the per-core share of each further core, rounded up to 1m.
fn kube_reserved_cpu(cpu: i64, reservation: &Reservation) -> i64 {
    let cores = ((cpu + 999) / 1000).max(1) as usize;
    let table = &reservation.kube_cpu;
    let Some(last) = table.last() else { return 0 };
    if cores <= table.len() {
        return table[cores - 1];
    }
    let extra_cores = (cores - table.len()) as i64;
    // share is in hundredths of a percent of 1000m per core.
    let extra = (extra_cores * 1000 * reservation.kube_cpu_extra_core_share + 9_999) / 10_000;
    last + extra
}

/// The reserve of the first step whose bound the node's memory is within;
/// the last step's reserve past the end.
fn kube_reserved_memory(memory: i64, reservation: &Reservation) -> i64 {
    reservation
        .kube_memory
        .iter()
        .find(|(up_to, _)| memory <= *up_to)
        .or(reservation.kube_memory.last())
        .map(|(_, reserve)| *reserve)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Provenance, Shape};

    fn oke() -> Reservation {
        Reservation {
            kube_cpu: vec![60, 70, 80, 85, 90],
            kube_cpu_extra_core_share: 25,
            kube_memory: vec![(16 << 30, 1 << 30), (128 << 30, 2 << 30)],
            system_cpu: 100,
            system_memory: 100 << 20,
            eviction_memory: 100 << 20,
            max_pods: 31,
            provenance: Provenance::default(),
        }
    }

    fn node(cpu: i64, memory: i64) -> Node {
        Node {
            name: "n".into(),
            k8s_name: "n".into(),
            span: Default::default(),
            shape: Shape {
                provider: "oci".into(),
                name: "VM.Standard.A1.Flex".into(),
                arch: "arm64".into(),
                cpu,
                memory,
                vcpus_per_ocpu: 1,
                max_pods: 110,
                vnics_per_ocpu: 1,
                min_vnics: 2,
                max_vnics: 24,
                price_month: 0,
                provenance: Provenance::default(),
            },
            shape_span: Default::default(),
            role: "app".into(),
            boot_volume: 50_000_000_000,
            boot_volume_span: Default::default(),
            labels: Default::default(),
            network_max_pods: 31,
            network_limit: None,
        }
    }

    #[test]
    fn one_ocpu_node_gives_840m() {
        let a = allocatable(&node(1000, 6 << 30), &oke());
        assert_eq!(a.cpu, 840);
        assert_eq!(a.memory, (6 << 30) - (1 << 30) - (200 << 20));
    }

    #[test]
    fn two_ocpu_node_gives_1830m_as_measured() {
        assert_eq!(allocatable(&node(2000, 12 << 30), &oke()).cpu, 1830);
    }

    #[test]
    fn the_pod_network_limits_the_pods() {
        assert_eq!(allocatable(&node(1000, 6 << 30), &oke()).max_pods, 31);
        let mut flannel = node(1000, 6 << 30);
        flannel.network_max_pods = 110;
        let mut reservation = oke();
        reservation.max_pods = 110;
        assert_eq!(allocatable(&flannel, &reservation).max_pods, 110);
    }

    #[test]
    fn past_the_table_adds_a_share_per_core() {
        // 8 cores: 90m + 3 * 2.5m = 97.5m, rounded up to 98m.
        assert_eq!(
            allocatable(&node(8000, 32 << 30), &oke()).kube_reserved_cpu,
            98
        );
    }
}
