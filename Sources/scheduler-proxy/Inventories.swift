import SchedulerServer
import Scheduling

extension ProxyConfiguration {
    /// The inventory the configuration asks for; nil when plugins get ids only.
    func makeInventory() throws -> (any Inventory)? {
        try validate()
        switch inventory {
        case .none:
            return nil
        case .files:
            return try FileInventory(folder: inventoryPath ?? "", limits: pluginSettings.entityLimits)
        case .ovirt:
            throw InventoryError("inventory = ovirt is not available in this build")
        }
    }
}
