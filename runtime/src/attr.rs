//! Attribute lookup, assignment and deletion: instance dict then the class
//! chain (data descriptors — properties — first), method binding,
//! `staticmethod`/`classmethod`, `super()`, module and class attributes,
//! `__getattr__`, and dunder lookup on the type (`call_special`).

use crate::attr_cache::{AttrCache, AttrEntry};
use crate::error::{ExcKind, PyErr, PyResult};
use crate::hash::{cached_str_hash, str_hash};
use crate::object::{Payload, TypeId};
use crate::value::Value;
use crate::vm::{class_name, Vm};

fn is_property(v: &Value) -> bool {
    matches!(v.payload(), Some(Payload::Property(_)))
}

/// Whether a value's methods come from its built-in type alone
/// (no instance dict, not a module, class or exception).
#[inline]
fn builtin_receiver(v: &Value) -> bool {
    !matches!(
        v.payload(),
        Some(
            Payload::Instance(_)
                | Payload::Module(_)
                | Payload::Class(_)
                | Payload::Super(..)
                | Payload::Exception(_),
        )
    )
}

/// A class attribute `LoadMethod` can pair with `self` unbound.
fn is_method(v: &Value) -> bool {
    matches!(
        v.payload(),
        Some(Payload::Function(_)) | Some(Payload::Native(_))
    )
}

impl Vm {
    /// Find `name` along the class chain starting at `class`.
    pub fn class_attr(&self, class: &Value, name: &str) -> Option<Value> {
        self.class_attr_hashed(class, name, str_hash(name))
    }

    /// `class_attr` for a name whose hash (`str_hash(name)`) is known.
    pub fn class_attr_hashed(&self, class: &Value, name: &str, hash: u64) -> Option<Value> {
        let mut cls = class.as_class()?;
        loop {
            if let Ok(d) = cls.dict.try_borrow() {
                if let Some(v) = d.get_str_hashed(name, hash) {
                    return Some(v.clone());
                }
            }
            cls = cls.base.as_ref()?.as_class()?;
        }
    }

    /// The class-chain lookup of an attribute site for `class`, from the
    /// site's cache when current, else computed and cached.
    fn site_lookup(
        &self,
        cache: &AttrCache,
        slot: u16,
        class: &Value,
        name: &str,
        hash: u64,
    ) -> (Option<Value>, bool) {
        if let Some(hit) = cache.lookup(slot, class, self.class_epoch) {
            return hit;
        }
        let found = self.class_attr_hashed(class, name, hash);
        let is_property = found.as_ref().is_some_and(is_property);
        let is_method = found.as_ref().is_some_and(is_method);
        let script_setattr = self
            .class_attr(class, "__setattr__")
            .is_some_and(|f| matches!(f.payload(), Some(Payload::Function(_))));
        let plain_store = !is_property && !script_setattr;
        cache.fill(
            slot,
            AttrEntry {
                class: class.clone(),
                epoch: self.class_epoch,
                found: found.clone(),
                found_is_property: is_property,
                found_is_method: is_method,
                plain_store,
                index: std::cell::Cell::new(0),
            },
        );
        (found, plain_store)
    }

    /// `obj.name` at a cached site (`name` is a str value): the hit of a
    /// plain instance attribute at the site's hint index is inlined into
    /// the interpreter's attribute instructions (as a call it saved six
    /// registers and returned through memory); everything else is out of
    /// line.
    #[inline(always)]
    pub fn getattr_cached(
        &mut self,
        obj: &Value,
        name: &Value,
        cache: &AttrCache,
        slot: u16,
    ) -> PyResult<Value> {
        if let Some(Payload::Instance(inst)) = obj.payload() {
            let hit = cache.with_entry(slot, &inst.class, self.class_epoch, |e| {
                let i = (e.index.get() as usize).checked_sub(1)?;
                if e.found_is_property {
                    return None;
                }
                let d = inst.dict.try_borrow().ok()?;
                d.get_if_key_at(i, name).cloned()
            });
            if let Some(Some(v)) = hit {
                return Ok(v);
            }
        }
        self.getattr_cached_slow(obj, name, cache, slot)
    }

    /// `LoadMethod` at a cached site: the hit of a function on an
    /// instance's class, not shadowed by the instance, is inline.
    #[inline]
    pub fn load_method_cached(
        &mut self,
        obj: &Value,
        name: &Value,
        cache: &AttrCache,
        slot: u16,
    ) -> PyResult<(Value, Value)> {
        if let (Some(Payload::Instance(inst)), Some(name_obj)) = (obj.payload(), name.as_str_obj())
        {
            let hit = cache.with_entry(slot, &inst.class, self.class_epoch, |e| {
                let f = e.found.as_ref().filter(|_| e.found_is_method)?;
                let d = inst.dict.try_borrow().ok()?;
                let hash = cached_str_hash(name_obj);
                (!d.has_name(name, &name_obj.s, hash)).then(|| f.clone())
            });
            if let Some(Some(f)) = hit {
                return Ok((f, obj.clone()));
            }
        } else if builtin_receiver(obj) {
            // `items.append(x)`: a method of a built-in type, which has no
            // instance dict to shadow it.
            let id = match obj.payload() {
                Some(Payload::Str(_)) => TypeId::Str,
                Some(Payload::List(_)) => TypeId::List,
                Some(Payload::Dict(_)) => TypeId::Dict,
                _ => self.type_id_of(obj),
            };
            let class = self.type_ref(id);
            let hit = class.and_then(|class| {
                cache.with_entry(slot, class, self.class_epoch, |e| {
                    e.found.clone().filter(|_| e.found_is_method)
                })
            });
            if let Some(Some(f)) = hit {
                return Ok((f, obj.clone()));
            }
        }
        self.load_method_cached_slow(obj, name, cache, slot)
    }

    /// `obj.name = value` at a cached site: a plain store over the entry
    /// at the site's hint index is inline. True when the store added the
    /// attribute to an instance (type feedback for the JIT).
    #[inline]
    pub fn setattr_cached(
        &mut self,
        obj: &Value,
        name: &Value,
        value: Value,
        cache: &AttrCache,
        slot: u16,
    ) -> PyResult<bool> {
        if let Some(Payload::Instance(inst)) = obj.payload() {
            let hint = cache.with_entry(slot, &inst.class, self.class_epoch, |e| {
                (e.plain_store).then(|| e.index.get() as usize)
            });
            if let Some(Some(i)) = hint {
                if let Ok(mut d) = inst.dict.try_borrow_mut() {
                    let at = i
                        .checked_sub(1)
                        .filter(|&i| d.get_if_key_at(i, name).is_some());
                    if let Some(v) = at.and_then(|i| d.get_index_mut(i)) {
                        // Dropping the old value runs no script code
                        // (finalisation is deferred), so under the borrow is fine.
                        *v = value;
                        return Ok(false);
                    }
                }
            }
        }
        self.setattr_cached_slow(obj, name, value, cache, slot)
    }

    /// `obj.name` at a cached site (`name` is a str value). Same rules as
    /// `getattr`, which handles everything but plain instances.
    #[cold]
    #[inline(never)]
    fn getattr_cached_slow(
        &mut self,
        obj: &Value,
        name: &Value,
        cache: &AttrCache,
        slot: u16,
    ) -> PyResult<Value> {
        let (Some(Payload::Instance(inst)), Some(name_obj)) = (obj.payload(), name.as_str_obj())
        else {
            // A module attribute: one probe with the name's cached hash.
            if let (Some(Payload::Module(m)), Some(name_obj)) = (obj.payload(), name.as_str_obj()) {
                let hash = cached_str_hash(name_obj);
                let found = m
                    .dict
                    .as_dict()
                    .and_then(|d| d.try_borrow().ok())
                    .and_then(|d| d.get_name(name, &name_obj.s, hash).cloned());
                if let Some(v) = found {
                    return Ok(v);
                }
            }
            return self.getattr(obj, name.as_str().unwrap_or(""));
        };
        // Fast path: the site knows the class and the class has no property
        // of this name, so the instance dict decides first; the hint index
        // usually holds the name (checked by identity: names are interned).
        let fast = cache.with_entry(slot, &inst.class, self.class_epoch, |e| {
            if e.found_is_property {
                return None;
            }
            let d = inst.dict.try_borrow().ok()?;
            if let Some(v) = (e.index.get() as usize)
                .checked_sub(1)
                .and_then(|i| d.get_if_key_at(i, name))
            {
                return Some(Ok(v.clone()));
            }
            let hash = cached_str_hash(name_obj);
            match d.index_of_name(name, &name_obj.s, hash) {
                Some(i) => {
                    e.index.set(i as u32 + 1);
                    d.get_index(i).map(|(_, v)| Ok(v.clone()))
                }
                None => Some(Err(e.found.clone())),
            }
        });
        match fast.flatten() {
            Some(Ok(v)) => return Ok(v),
            Some(Err(Some(d))) => {
                let class = inst.class.clone();
                return self.bind(d, obj, &class);
            }
            Some(Err(None)) => return self.getattr(obj, &name_obj.s),
            None => {}
        }
        let hash = cached_str_hash(name_obj);
        let (descr, _) = self.site_lookup(cache, slot, &inst.class, &name_obj.s, hash);
        if let Some(d) = &descr {
            if matches!(d.payload(), Some(Payload::Property(_))) {
                let class = inst.class.clone();
                return self.bind(d.clone(), obj, &class);
            }
        }
        let own = inst
            .dict
            .try_borrow()
            .ok()
            .and_then(|d| d.get_name(name, &name_obj.s, hash).cloned());
        if let Some(v) = own {
            return Ok(v);
        }
        match descr {
            Some(d) => {
                let class = inst.class.clone();
                self.bind(d, obj, &class)
            }
            None => self.getattr(obj, &name_obj.s),
        }
    }

    /// `LoadMethod` at a cached site; same protocol as `load_method`.
    #[cold]
    #[inline(never)]
    fn load_method_cached_slow(
        &mut self,
        obj: &Value,
        name: &Value,
        cache: &AttrCache,
        slot: u16,
    ) -> PyResult<(Value, Value)> {
        let Some(name_obj) = name.as_str_obj() else {
            return self.load_method(obj, "");
        };
        let hash = cached_str_hash(name_obj);
        let inst = match obj.payload() {
            Some(Payload::Instance(inst)) => inst,
            Some(Payload::Module(m)) => {
                // `math.sqrt(...)`: one probe with the name's cached hash.
                let found = m
                    .dict
                    .as_dict()
                    .and_then(|d| d.try_borrow().ok())
                    .and_then(|d| d.get_name(name, &name_obj.s, hash).cloned());
                return match found {
                    Some(v) => Ok((Value::empty(), v)),
                    None => self.load_method(obj, &name_obj.s),
                };
            }
            Some(Payload::Class(_)) | Some(Payload::Super(..)) | Some(Payload::Exception(_)) => {
                return self.load_method(obj, &name_obj.s)
            }
            _ => {
                // A built-in type's value has no instance dict to shadow
                // the type: `load_method` with the type lookup cached.
                let class = self.type_of(obj);
                let (found, _) = self.site_lookup(cache, slot, &class, &name_obj.s, hash);
                if let Some(f) = found {
                    if matches!(
                        f.payload(),
                        Some(Payload::Function(_)) | Some(Payload::Native(_))
                    ) {
                        return Ok((f, obj.clone()));
                    }
                }
                return self.load_method(obj, &name_obj.s);
            }
        };
        // A hit: a function on the class, not shadowed by the instance.
        let hit = |e: &AttrEntry| {
            let f = e.found.as_ref().filter(|_| e.found_is_method)?;
            let shadowed = inst
                .dict
                .try_borrow()
                .map_or(true, |d| d.has_name(name, &name_obj.s, hash));
            (!shadowed).then(|| f.clone())
        };
        let cached = cache.with_entry(slot, &inst.class, self.class_epoch, hit);
        let found = match cached {
            Some(found) => found,
            None => {
                self.site_lookup(cache, slot, &inst.class, &name_obj.s, hash);
                cache
                    .with_entry(slot, &inst.class, self.class_epoch, hit)
                    .flatten()
            }
        };
        match found {
            Some(f) => Ok((f, obj.clone())),
            None => self.load_method(obj, &name_obj.s),
        }
    }

    /// `obj.name = value` at a cached site; same rules as `setattr`.
    #[cold]
    #[inline(never)]
    fn setattr_cached_slow(
        &mut self,
        obj: &Value,
        name: &Value,
        value: Value,
        cache: &AttrCache,
        slot: u16,
    ) -> PyResult<bool> {
        let (Some(Payload::Instance(inst)), Some(name_obj)) = (obj.payload(), name.as_str_obj())
        else {
            return self
                .setattr(obj, name.as_str().unwrap_or(""), value)
                .map(|()| false);
        };
        let hash = cached_str_hash(name_obj);
        // (plain store, hint index) from the site, filling it on a miss.
        let probe = |e: &AttrEntry| (e.plain_store, e.index.get());
        let (plain_store, hint) = match cache.with_entry(slot, &inst.class, self.class_epoch, probe)
        {
            Some(hit) => hit,
            None => (
                self.site_lookup(cache, slot, &inst.class, &name_obj.s, hash)
                    .1,
                0,
            ),
        };
        if !plain_store {
            return self.setattr(obj, &name_obj.s, value).map(|()| false);
        }
        let mut d = inst
            .dict
            .try_borrow_mut()
            .map_err(|_| PyErr::reentrant("instance"))?;
        // The entry at the site's hint index, if it holds this name.
        let hinted = (hint as usize)
            .checked_sub(1)
            .filter(|&i| d.get_if_key_at(i, name).is_some());
        let before = d.len();
        match hinted.and_then(|i| d.get_index_mut(i)) {
            Some(v) => *v = value,
            None => {
                let i = d.insert_full(hash, name.clone(), value);
                cache.with_entry(slot, &inst.class, self.class_epoch, |e| {
                    e.index.set(i as u32 + 1)
                });
                if let Some(cls) = inst.class.as_class() {
                    cls.note_instance_len(d.len());
                }
            }
        }
        Ok(d.len() > before)
    }

    /// Where `inst` keeps attribute `name` in its own dict, when reading
    /// (`store`: writing) it at site `slot` is a plain access of that
    /// entry: the class chain has no property of the name (for a store,
    /// no script `__setattr__` either) and the dict holds the name. Fills
    /// the site's cache entry and its index hint; runs no script code.
    /// Compiled code's miss path only: kept out of the interpreter's.
    #[cold]
    #[inline(never)]
    pub(crate) fn plain_instance_entry(
        &self,
        inst: &crate::object::InstanceObj,
        name: &Value,
        cache: &AttrCache,
        slot: u16,
        store: bool,
    ) -> Option<usize> {
        let name_obj = name.as_str_obj()?;
        let hash = cached_str_hash(name_obj);
        let (found, plain_store) = self.site_lookup(cache, slot, &inst.class, &name_obj.s, hash);
        let plain = match store {
            true => plain_store,
            false => !found.as_ref().is_some_and(is_property),
        };
        if !plain {
            return None;
        }
        let i = inst
            .dict
            .try_borrow()
            .ok()?
            .index_of_name(name, &name_obj.s, hash)?;
        cache.with_entry(slot, &inst.class, self.class_epoch, |e| {
            e.index.set(i as u32 + 1)
        });
        Some(i)
    }

    /// Call the dunder `name` found on the type of a user object (instances
    /// and exceptions only). `None` if the type does not define it.
    pub fn call_special(
        &mut self,
        obj: &Value,
        name: &str,
        args: &[Value],
    ) -> PyResult<Option<Value>> {
        let class = match obj.payload() {
            Some(Payload::Instance(i)) => i.class.clone(),
            Some(Payload::Exception(e)) => e.class.clone(),
            _ => return Ok(None),
        };
        let Some(f) = self.class_attr(&class, name) else {
            return Ok(None);
        };
        if matches!(f.payload(), Some(Payload::Native(_)))
            && matches!(name, "__init__" | "__str__" | "__repr__")
        {
            return Ok(None);
        }
        let mut full = Vec::with_capacity(args.len() + 1);
        full.push(obj.clone());
        full.extend_from_slice(args);
        let r = match f.payload() {
            Some(Payload::StaticMethod(inner)) => {
                let inner = inner.clone();
                self.call(&inner, args)?
            }
            Some(Payload::ClassMethod(inner)) => {
                let inner = inner.clone();
                full[0] = class;
                self.call(&inner, &full)?
            }
            _ => self.call(&f, &full)?,
        };
        Ok(Some(r))
    }

    /// `obj.name()` — look up and call a method.
    pub fn call_method(&mut self, obj: &Value, name: &str, args: &[Value]) -> PyResult<Value> {
        let (func, this) = self.load_method(obj, name)?;
        if func.is_empty() {
            return self.call(&this, args);
        }
        let mut full = Vec::with_capacity(args.len() + 1);
        full.push(this);
        full.extend_from_slice(args);
        self.call(&func, &full)
    }

    /// The `LoadMethod` protocol: `(func, obj)` when `name` is a plain
    /// function (or native method) on the class and not shadowed, else
    /// `(empty, bound attribute)`.
    pub fn load_method(&mut self, obj: &Value, name: &str) -> PyResult<(Value, Value)> {
        let plain = match obj.payload() {
            Some(Payload::Class(_)) | Some(Payload::Module(_)) | Some(Payload::Super(..)) => false,
            Some(Payload::Instance(i)) => i
                .dict
                .try_borrow()
                .map_or(true, |d| d.get_str(name).is_none()),
            Some(Payload::Exception(e)) => e
                .dict
                .try_borrow()
                .map_or(true, |d| d.get_str(name).is_none()),
            _ => true,
        };
        if plain {
            let class = self.type_of(obj);
            if let Some(f) = self.class_attr(&class, name) {
                if matches!(
                    f.payload(),
                    Some(Payload::Function(_)) | Some(Payload::Native(_))
                ) {
                    return Ok((f, obj.clone()));
                }
            }
        }
        Ok((Value::empty(), self.getattr(obj, name)?))
    }

    /// Bind a class attribute found for `obj` (an instance of `class`).
    fn bind(&mut self, descr: Value, obj: &Value, class: &Value) -> PyResult<Value> {
        match descr.payload() {
            Some(Payload::Function(_)) | Some(Payload::Native(_)) => {
                Ok(Value::new_heap(Payload::BoundMethod(descr, obj.clone())))
            }
            Some(Payload::StaticMethod(inner)) => Ok(inner.clone()),
            Some(Payload::ClassMethod(inner)) => Ok(Value::new_heap(Payload::BoundMethod(
                inner.clone(),
                class.clone(),
            ))),
            Some(Payload::Property(p)) => {
                if p.fget.is_none() {
                    return Err(PyErr::attribute_error("property has no getter"));
                }
                let g = p.fget.clone();
                self.call(&g, std::slice::from_ref(obj))
            }
            _ => Ok(descr),
        }
    }

    /// `obj.name`.
    pub fn getattr(&mut self, obj: &Value, name: &str) -> PyResult<Value> {
        match obj.payload() {
            Some(Payload::Class(_)) => return self.class_getattr(obj, name),
            Some(Payload::Module(m)) => {
                if let Some(d) = m.dict.as_dict() {
                    if let Some(v) = d.try_borrow().ok().and_then(|d| d.get_str(name).cloned()) {
                        return Ok(v);
                    }
                }
                return Err(PyErr::attribute_error(format!(
                    "module '{}' has no attribute '{}'",
                    m.name, name
                )));
            }
            Some(Payload::Super(start, this)) => {
                let (start, this) = (start.clone(), this.clone());
                return self.super_getattr(&start, &this, name);
            }
            _ => {}
        }
        let class = self.type_of(obj);
        let descr = self.class_attr(&class, name);
        if let Some(d) = &descr {
            if matches!(d.payload(), Some(Payload::Property(_))) {
                return self.bind(d.clone(), obj, &class);
            }
        }
        // Instance dicts.
        let own = match obj.payload() {
            Some(Payload::Instance(i)) => i
                .dict
                .try_borrow()
                .ok()
                .and_then(|d| d.get_str(name).cloned()),
            Some(Payload::Exception(e)) => match name {
                "args" => Some(e.args.borrow().clone()),
                "__cause__" => Some(e.cause.borrow().clone()),
                "__context__" => Some(e.context.borrow().clone()),
                "__suppress_context__" => Some(Value::bool(e.suppress_context.get())),
                "__traceback__" => Some(Value::none()),
                _ => e
                    .dict
                    .try_borrow()
                    .ok()
                    .and_then(|d| d.get_str(name).cloned()),
            },
            Some(Payload::Function(f)) => match name {
                "__name__" => Some(f.name.borrow().clone()),
                "__qualname__" => Some(f.qualname.borrow().clone()),
                "__doc__" => Some(f.doc.borrow().clone()),
                "__module__" => f
                    .globals
                    .as_dict()
                    .and_then(|d| d.borrow().get_str("__name__").cloned()),
                "__defaults__" => Some(if f.defaults.is_empty() {
                    Value::none()
                } else {
                    Value::tuple(f.defaults.to_vec())
                }),
                "__code__" => Some(Value::none()),
                "__dict__" => Some(Value::dict(f.dict.borrow().clone())),
                _ => f
                    .dict
                    .try_borrow()
                    .ok()
                    .and_then(|d| d.get_str(name).cloned()),
            },
            Some(Payload::Native(n)) => match name {
                "__name__" => Some(Value::from_str(n.name)),
                "__qualname__" => Some(Value::from_string(match n.owner {
                    Some(o) => format!("{o}.{}", n.name),
                    None => n.name.to_string(),
                })),
                _ => None,
            },
            Some(Payload::BoundMethod(f, s)) => match name {
                "__self__" => Some(s.clone()),
                "__func__" => Some(f.clone()),
                "__name__" | "__qualname__" | "__doc__" => {
                    let f = f.clone();
                    return self.getattr(&f, name);
                }
                _ => None,
            },
            Some(Payload::Property(p)) => match name {
                "fget" => Some(p.fget.clone()),
                "fset" => Some(p.fset.clone()),
                "__doc__" => Some(p.doc.clone()),
                _ => None,
            },
            Some(Payload::StaticMethod(f)) | Some(Payload::ClassMethod(f))
                if name == "__func__" =>
            {
                Some(f.clone())
            }
            Some(Payload::Generator(g)) => match name {
                "__name__" => Some(g.name.clone()),
                "__qualname__" => Some(g.qualname.clone()),
                _ => None,
            },
            Some(Payload::Slice(a, b, c)) => match name {
                "start" => Some(a.clone()),
                "stop" => Some(b.clone()),
                "step" => Some(c.clone()),
                _ => None,
            },
            Some(Payload::Range(r)) => match name {
                "start" => Some(r.start()),
                "stop" => Some(r.stop()),
                "step" => Some(r.step()),
                _ => None,
            },
            _ => None,
        };
        if let Some(v) = own {
            return Ok(v);
        }
        if let Some(d) = descr {
            return self.bind(d, obj, &class);
        }
        match name {
            "__class__" => return Ok(class),
            "__dict__" => {
                if let Some(Payload::Instance(i)) = obj.payload() {
                    return Ok(Value::dict(i.dict.borrow().clone()));
                }
            }
            "real" | "numerator" if crate::int::int_ref(obj).is_some() => return Ok(obj.clone()),
            "imag" if crate::int::int_ref(obj).is_some() => return Ok(Value::int(0)),
            "denominator" if crate::int::int_ref(obj).is_some() => return Ok(Value::int(1)),
            "real" if obj.is_float() => return Ok(obj.clone()),
            "imag" if obj.is_float() => return Ok(Value::float(0.0)),
            _ => {}
        }
        if matches!(
            obj.payload(),
            Some(Payload::Instance(_)) | Some(Payload::Exception(_))
        ) {
            if let Some(r) = self.call_special(obj, "__getattr__", &[Value::from_str(name)])? {
                return Ok(r);
            }
        }
        Err(PyErr::attribute_error(format!(
            "'{}' object has no attribute '{}'",
            self.type_name(obj),
            name
        )))
    }

    fn class_getattr(&mut self, cls_v: &Value, name: &str) -> PyResult<Value> {
        if let Some(v) = self.class_attr(cls_v, name) {
            return match v.payload() {
                Some(Payload::StaticMethod(inner)) => Ok(inner.clone()),
                Some(Payload::ClassMethod(inner)) => Ok(Value::new_heap(Payload::BoundMethod(
                    inner.clone(),
                    cls_v.clone(),
                ))),
                _ => Ok(v),
            };
        }
        let Some(cls) = cls_v.as_class() else {
            return Err(PyErr::attribute_error(name.to_string()));
        };
        match name {
            "__name__" => return Ok(Value::from_str(&cls.name)),
            "__qualname__" => return Ok(Value::from_str(&cls.qualname)),
            "__module__" => return Ok(Value::from_str(&cls.module)),
            "__base__" => return Ok(cls.base.clone().unwrap_or_default()),
            "__bases__" => return Ok(Value::tuple(cls.base.iter().cloned().collect())),
            "__mro__" => {
                let mut chain = Vec::new();
                let mut cur = Some(cls_v.clone());
                while let Some(c) = cur {
                    cur = c.as_class().and_then(|k| k.base.clone());
                    chain.push(c);
                }
                return Ok(Value::tuple(chain));
            }
            "__doc__" => return Ok(Value::none()),
            "__dict__" => return Ok(Value::dict(cls.dict.borrow().clone())),
            "__class__" => return Ok(self.type_value(TypeId::Type)),
            _ => {}
        }
        Err(PyErr::attribute_error(format!(
            "type object '{}' has no attribute '{}'",
            cls.name, name
        )))
    }

    fn super_getattr(&mut self, start: &Value, this: &Value, name: &str) -> PyResult<Value> {
        // The bound object's class chain, searched after `start`.
        let this_class = if this.as_class().is_some() {
            this.clone()
        } else {
            self.type_of(this)
        };
        let mut cur = Some(this_class.clone());
        let mut past = false;
        while let Some(c) = cur {
            if past {
                if let Some(cls) = c.as_class() {
                    let found = cls
                        .dict
                        .try_borrow()
                        .ok()
                        .and_then(|d| d.get_str(name).cloned());
                    if let Some(v) = found {
                        if this.as_class().is_some() {
                            return match v.payload() {
                                Some(Payload::ClassMethod(inner)) => Ok(Value::new_heap(
                                    Payload::BoundMethod(inner.clone(), this.clone()),
                                )),
                                Some(Payload::StaticMethod(inner)) => Ok(inner.clone()),
                                _ => Ok(v),
                            };
                        }
                        return self.bind(v, this, &this_class);
                    }
                }
            }
            if c.is(start) {
                past = true;
            }
            cur = c.as_class().and_then(|k| k.base.clone());
        }
        Err(PyErr::attribute_error(format!(
            "'super' object has no attribute '{name}'"
        )))
    }

    /// `object.__setattr__`: property setters and the instance dict, never
    /// the class's own `__setattr__` hook.
    pub fn generic_setattr(&mut self, obj: &Value, name: &str, value: Value) -> PyResult<()> {
        let Some(Payload::Instance(i)) = obj.payload() else {
            return self.setattr(obj, name, value);
        };
        if let Some(d) = self.class_attr(&i.class, name) {
            if let Some(Payload::Property(p)) = d.payload() {
                if p.fset.is_none() {
                    return Err(PyErr::attribute_error(format!(
                        "property '{name}' of '{}' object has no setter",
                        class_name(&i.class)
                    )));
                }
                let s = p.fset.clone();
                self.call(&s, &[obj.clone(), value])?;
                return Ok(());
            }
        }
        i.dict
            .try_borrow_mut()
            .map_err(|_| PyErr::reentrant("instance"))?
            .set_name(name, value);
        Ok(())
    }

    /// `obj.name = value`.
    pub fn setattr(&mut self, obj: &Value, name: &str, value: Value) -> PyResult<()> {
        match obj.payload() {
            Some(Payload::Instance(i)) => {
                let class = i.class.clone();
                if let Some(d) = self.class_attr(&class, name) {
                    if let Some(Payload::Property(p)) = d.payload() {
                        if p.fset.is_none() {
                            return Err(PyErr::attribute_error(format!(
                                "property '{name}' of '{}' object has no setter",
                                class_name(&class)
                            )));
                        }
                        let s = p.fset.clone();
                        self.call(&s, &[obj.clone(), value])?;
                        return Ok(());
                    }
                }
                if let Some(f) = self.class_attr(&class, "__setattr__") {
                    if matches!(f.payload(), Some(Payload::Function(_))) {
                        self.call(&f, &[obj.clone(), Value::from_str(name), value])?;
                        return Ok(());
                    }
                }
                self.generic_setattr(obj, name, value)
            }
            Some(Payload::Exception(e)) => {
                match name {
                    "__cause__" => {
                        *e.cause.borrow_mut() = value;
                        e.suppress_context.set(true);
                    }
                    "__context__" => *e.context.borrow_mut() = value,
                    "__suppress_context__" => e.suppress_context.set(self.truthy(&value)?),
                    "args" => {
                        let items = self.collect(&value)?;
                        *e.args.borrow_mut() = Value::tuple(items);
                    }
                    _ => e
                        .dict
                        .try_borrow_mut()
                        .map_err(|_| PyErr::reentrant("exception"))?
                        .set_name(name, value),
                }
                Ok(())
            }
            Some(Payload::Class(c)) => {
                if c.builtin.is_some() {
                    return Err(PyErr::type_error(format!(
                        "cannot set '{name}' attribute of immutable type '{}'",
                        c.name
                    )));
                }
                self.class_epoch = self.class_epoch.wrapping_add(1);
                c.dict
                    .try_borrow_mut()
                    .map_err(|_| PyErr::reentrant("class"))?
                    .set_name(name, value);
                Ok(())
            }
            Some(Payload::Function(f)) => {
                match name {
                    "__name__" => *f.name.borrow_mut() = value,
                    "__qualname__" => *f.qualname.borrow_mut() = value,
                    "__doc__" => *f.doc.borrow_mut() = value,
                    _ => f
                        .dict
                        .try_borrow_mut()
                        .map_err(|_| PyErr::reentrant("function"))?
                        .set_name(name, value),
                }
                Ok(())
            }
            Some(Payload::Module(m)) => {
                if let Some(d) = m.dict.as_dict() {
                    d.try_borrow_mut()
                        .map_err(|_| PyErr::reentrant("module"))?
                        .set_name(name, value);
                }
                Ok(())
            }
            _ => Err(PyErr::attribute_error(format!(
                "'{}' object has no attribute '{}'",
                self.type_name(obj),
                name
            ))),
        }
    }

    /// `del obj.name`.
    pub fn delattr(&mut self, obj: &Value, name: &str) -> PyResult<()> {
        if let Some(Payload::Instance(i)) = obj.payload() {
            if let Some(f) = self.class_attr(&i.class, "__delattr__") {
                if matches!(f.payload(), Some(Payload::Function(_))) {
                    self.call(&f, &[obj.clone(), Value::from_str(name)])?;
                    return Ok(());
                }
            }
        }
        self.generic_delattr(obj, name)
    }

    /// `object.__delattr__`: property deleters and the instance dict, never
    /// the class's own `__delattr__` hook.
    pub fn generic_delattr(&mut self, obj: &Value, name: &str) -> PyResult<()> {
        let removed = match obj.payload() {
            Some(Payload::Instance(i)) => {
                let class = i.class.clone();
                if let Some(d) = self.class_attr(&class, name) {
                    if let Some(Payload::Property(p)) = d.payload() {
                        if !p.fdel.is_none() {
                            let f = p.fdel.clone();
                            self.call(&f, std::slice::from_ref(obj))?;
                            return Ok(());
                        }
                    }
                }
                i.dict
                    .try_borrow_mut()
                    .map_err(|_| PyErr::reentrant("instance"))?
                    .remove_str(name)
            }
            Some(Payload::Class(c)) => {
                self.class_epoch = self.class_epoch.wrapping_add(1);
                c.dict
                    .try_borrow_mut()
                    .map_err(|_| PyErr::reentrant("class"))?
                    .remove_str(name)
            }
            Some(Payload::Module(m)) => m
                .dict
                .as_dict()
                .and_then(|d| d.try_borrow_mut().ok()?.remove_str(name)),
            Some(Payload::Function(f)) => f
                .dict
                .try_borrow_mut()
                .map_err(|_| PyErr::reentrant("function"))?
                .remove_str(name),
            Some(Payload::Exception(e)) => e
                .dict
                .try_borrow_mut()
                .map_err(|_| PyErr::reentrant("exception"))?
                .remove_str(name),
            _ => None,
        };
        match removed {
            Some(_) => Ok(()),
            None => Err(PyErr::attribute_error(format!(
                "'{}' object has no attribute '{}'",
                self.type_name(obj),
                name
            ))),
        }
    }

    /// `hasattr(obj, name)`: getattr that maps AttributeError to false.
    pub fn hasattr(&mut self, obj: &Value, name: &str) -> PyResult<bool> {
        match self.getattr(obj, name) {
            Ok(_) => Ok(true),
            Err(e) if self.err_matches(&e, ExcKind::AttributeError) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
