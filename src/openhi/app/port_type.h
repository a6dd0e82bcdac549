#pragma once
// PortType and PortValue: the runtime type tag and the type-erased value carried on an operator
// port. Values are immutable and shared (std::shared_ptr<const T>) between the producing
// operator and every consumer, so they may be read from any thread. Thread-compatible values.
#include <memory>
#include <string>
#include <typeindex>
#include <typeinfo>

namespace openhi::app {

// The readable C++ name of a type ("std::vector<int, std::allocator<int> >").
std::string DemangledTypeName(const std::type_info& type);

// The name a port type shows in error messages. Specialise it for long template types:
//   template <> struct PortTypeName<MyList> { static std::string Get() { return "MyList"; } };
template <typename T>
struct PortTypeName {
  static std::string Get() { return DemangledTypeName(typeid(T)); }
};

// The C++ type of a port. Two ports connect only when their types are the same C++ type.
struct PortType {
  std::type_index id = std::type_index(typeid(void));
  std::string name = "void";

  template <typename T>
  static PortType Of() {
    return PortType{std::type_index(typeid(T)), PortTypeName<T>::Get()};
  }
  bool operator==(const PortType& other) const { return id == other.id; }
};

// One value on a port: a shared immutable object plus its type.
class PortValue {
 public:
  PortValue() = default;

  template <typename T>
  static PortValue Make(std::shared_ptr<const T> value) {
    PortValue v;
    v.type_ = PortType::Of<T>();
    v.ptr_ = std::move(value);
    return v;
  }

  bool has_value() const { return ptr_ != nullptr; }
  const PortType& type() const { return type_; }

  // The value as T, or nullptr when empty or of another type.
  template <typename T>
  std::shared_ptr<const T> As() const {
    if (!ptr_ || type_.id != std::type_index(typeid(T))) return nullptr;
    return std::static_pointer_cast<const T>(ptr_);
  }

 private:
  PortType type_;
  std::shared_ptr<const void> ptr_;
};

}  // namespace openhi::app
