import OVirtREST
import OpenNebulaRPC
import Scheduling

extension ProxyConfiguration {
    /// What the REST client needs of these settings (`ovirt_*`), with the password read from its file.
    func ovirtRESTSettings(maxResponseBytes: Int) throws(OVirtRESTError) -> OVirtRESTSettings {
        OVirtRESTSettings(
            url: ovirtURL ?? "", user: ovirtUser ?? "",
            password: try OVirtRESTSettings.password(fromFile: ovirtPasswordFile ?? ""),
            caFile: ovirtCAFile, maxResponseBytes: maxResponseBytes)
    }

    /// How often the inventory is read whole for the plugins' status hooks (and at most how old
    /// the hosts given to a timer are): every `inventory_ttl`, or every second when that is 0.
    var inventoryRefreshInterval: Duration {
        inventoryTTL > 0 ? .seconds(max(inventoryTTL, 0.1)) : .seconds(1)
    }

    /// The inventory the configuration asks for; nil when plugins get ids only.
    func makeInventory() throws -> (any Inventory)? {
        try makeMeasuredInventory().inventory
    }

    /// The inventory, and for the engine's REST API the fetches' measure, whose last
    /// outcome says whether the engine is reachable (`/readyz`).
    func makeMeasuredInventory() throws -> (inventory: (any Inventory)?, fetches: MeasuredInventory?) {
        try validate()
        let limits = pluginSettings.entityLimits
        switch inventory {
        case .none:
            return (nil, nil)
        case .files:
            return (try FileInventory(folder: inventoryPath ?? "", limits: limits), nil)
        case .ovirt:
            let client = try OVirtRESTClient(settings: try ovirtRESTSettings(maxResponseBytes: limits.maxBytes))
            let fetches = MeasuredInventory(OVirtInventory(client: client, limits: limits))
            return (CachedInventory(fetches, ttl: .seconds(inventoryTTL)), fetches)
        case .opennebula:
            let session = try OpenNebulaSettings.session(fromFile: openNebulaSessionFile ?? "")
            let client = try OpenNebulaClient(
                settings: OpenNebulaSettings(
                    url: openNebulaURL ?? "", session: session, maxResponseBytes: limits.maxBytes))
            return (OpenNebulaInventory(client: client, limits: limits, ttl: .seconds(inventoryTTL)), nil)
        }
    }

    /// Reads one of the keys for where hosts and VMs sent as ids are looked up; false when `key` is not one of them.
    mutating func readInventoryKey(
        _ key: Key, _ entry: KeyValueFile.Entry, folder: String, _ fail: (String) -> Problem
    ) throws(Problem) -> Bool {
        switch key {
        case .inventory:
            guard let mode = InventoryMode(rawValue: entry.value) else {
                let modes = InventoryMode.allCases.map(\.rawValue).joined(separator: ", ")
                throw fail("inventory must be one of \(modes), got '\(entry.value)'")
            }
            inventory = mode
        case .inventoryPath:
            inventoryPath = Self.resolve(entry.value, against: folder)
        case .ovirtURL:
            guard entry.value.hasPrefix("http://") || entry.value.hasPrefix("https://") else {
                throw fail("ovirt_url must start with http:// or https://, got '\(entry.value)'")
            }
            ovirtURL = entry.value
        case .ovirtUser:
            ovirtUser = entry.value
        case .ovirtPasswordFile:
            ovirtPasswordFile = Self.resolve(entry.value, against: folder)
        case .ovirtCAFile:
            ovirtCAFile = Self.resolve(entry.value, against: folder)
        case .openNebulaURL:
            guard entry.value.hasPrefix("http://") else {
                throw fail("opennebula_url must start with http://, got '\(entry.value)'")
            }
            openNebulaURL = entry.value
        case .openNebulaSessionFile:
            openNebulaSessionFile = Self.resolve(entry.value, against: folder)
        case .openNebulaPolicy:
            guard !entry.value.isEmpty, !entry.value.contains("/") else {
                throw fail("opennebula_policy must name a policy (policies/NAME.conf), got '\(entry.value)'")
            }
            openNebulaPolicy = entry.value
        case .inventoryTTL:
            inventoryTTL = try Self.seconds(entry, allowingZero: "fetches every time", fail)
        default:
            return false
        }
        return true
    }
}
